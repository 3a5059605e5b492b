-- Every row of raw persons, judged once: the contract's rules (listed in _base__models.yml) and
-- these, which need seeds or several columns: a birth date against the extract; death not before
-- birth.
{{ staging_checked('persons', [
    ['out_of_range', 'birth_date', implausible_birth_date('birth_date')],
    ['end_before_start', 'death_date', 'death_date < birth_date'],
]) }}
