-- Every row of raw drg_courses, judged once: the contract's rules (listed in _base__models.yml) and
-- these, which need seeds or several columns: the region in the seed; the course's order.
{{ staging_checked('drg_courses', [
    ['invalid_code', 'region_code', unknown_region()],
    ['end_before_start', 'course_end', 'course_end < course_start'],
]) }}
