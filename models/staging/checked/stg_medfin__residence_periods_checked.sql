-- Every row of raw residence judged once against staging_rules('residence') (macros/staging).
{{ staging_checked('residence') }}
