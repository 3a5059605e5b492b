-- Every row of raw drg_diagnoses, judged once: the contract's rules (in _base__models.yml); the
-- contract decides every rule of this table.
{{ staging_checked('drg_diagnoses') }}
