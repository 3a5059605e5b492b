-- Every row of raw psychiatric_contacts judged once against staging_rules('psychiatric_contacts') (macros/staging).
{{ staging_checked('psychiatric_contacts') }}
