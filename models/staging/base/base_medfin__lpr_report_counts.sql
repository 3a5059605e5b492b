-- Every row of raw lpr_report_counts, judged once: the contract's rules (listed in
-- _base__models.yml) and these, which need seeds or several columns: the region in the seed.
{{ staging_checked('lpr_report_counts', [
    ['invalid_code', 'region_code', unknown_region()],
]) }}
