-- Every row of raw accounting_bookings, judged once: the contract's rules (listed in
-- _base__models.yml) and these, which need seeds or several columns: the region in the seed
-- (amounts may be negative: corrections).
{{ staging_checked('accounting_bookings', [
    ['invalid_code', 'region_code', unknown_region()],
]) }}
