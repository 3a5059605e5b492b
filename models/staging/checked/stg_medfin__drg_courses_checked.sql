-- Every row of raw drg_courses judged once against staging_rules('drg_courses') (macros/staging).
{{ staging_checked('drg_courses') }}
