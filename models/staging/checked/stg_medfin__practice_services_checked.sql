-- Every row of raw practice_services judged once against staging_rules('practice_services') (macros/staging).
{{ staging_checked('practice_services') }}
