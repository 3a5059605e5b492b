-- Raw accounting_bookings, every row judged once (macros/staging).
{{ staging_checked('accounting_bookings') }}
