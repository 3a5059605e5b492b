-- Every row of raw accounting_bookings judged once against staging_rules('accounting_bookings') (macros/staging).
{{ staging_checked('accounting_bookings') }}
