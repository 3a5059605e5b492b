-- Every row of raw delivery_log judged once against staging_rules('delivery_log') (macros/staging).
{{ staging_checked('delivery_log') }}
