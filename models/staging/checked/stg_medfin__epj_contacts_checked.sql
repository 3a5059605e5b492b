-- Every row of raw epj_contacts judged once against staging_rules('epj_contacts') (macros/staging).
{{ staging_checked('epj_contacts') }}
