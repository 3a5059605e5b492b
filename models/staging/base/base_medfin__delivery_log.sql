-- Every row of raw delivery_log, judged once: the contract's rules (in _base__models.yml); the
-- contract decides every rule of this table.
{{ staging_checked('delivery_log') }}
