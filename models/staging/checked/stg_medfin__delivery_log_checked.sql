-- Raw delivery_log, every row judged once (macros/staging).
{{ staging_checked('delivery_log') }}
