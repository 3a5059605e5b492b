-- Every row of raw drg_procedures, judged once: the contract's rules (listed in _base__models.yml)
-- and these, which need seeds or several columns: the producing site in the seed.
{{ staging_checked('drg_procedures', [
    ['invalid_code', 'producing_sor_code', unknown_site('producing_sor_code')],
]) }}
