-- Every row of raw drg_diagnoses judged once against staging_rules('drg_diagnoses') (macros/staging).
{{ staging_checked('drg_diagnoses') }}
