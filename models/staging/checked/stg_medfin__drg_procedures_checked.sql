-- Every row of raw drg_procedures judged once against staging_rules('drg_procedures') (macros/staging).
{{ staging_checked('drg_procedures') }}
