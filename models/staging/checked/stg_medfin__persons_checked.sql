-- Every row of raw persons judged once against staging_rules('persons') (macros/staging).
{{ staging_checked('persons') }}
