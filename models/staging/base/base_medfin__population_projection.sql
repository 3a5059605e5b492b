-- Every row of raw population_projection, judged once: the contract's rules (listed in
-- _base__models.yml) and these, which need seeds or several columns: the municipality in the
-- seed.
{{ staging_checked('population_projection', [
    ['unknown_municipality', 'municipality_code', unknown_municipality()],
]) }}
