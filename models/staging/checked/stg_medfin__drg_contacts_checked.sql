-- Every row of raw drg_contacts judged once against staging_rules('drg_contacts') (macros/staging).
{{ staging_checked('drg_contacts') }}
