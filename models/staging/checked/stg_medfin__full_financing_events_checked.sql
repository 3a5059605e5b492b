-- Every row of raw full_financing_events judged once against staging_rules('full_financing_events') (macros/staging).
{{ staging_checked('full_financing_events') }}
