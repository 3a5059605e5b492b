-- Every row of raw residence, judged once: the contract's rules (listed in _base__models.yml) and
-- these, which need seeds or several columns: the period's order; the municipality in the seed.
{{ staging_checked('residence', [
    ['end_before_start', 'valid_to', 'valid_to < valid_from'],
    ['unknown_municipality', 'municipality_code', unknown_municipality()],
]) }}
