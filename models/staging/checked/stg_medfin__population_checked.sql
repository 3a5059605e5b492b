-- Every row of raw population judged once against staging_rules('population') (macros/staging).
{{ staging_checked('population') }}
