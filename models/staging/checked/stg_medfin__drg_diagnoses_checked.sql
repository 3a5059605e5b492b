-- Raw drg_diagnoses, every row judged once (macros/staging).
{{ staging_checked('drg_diagnoses') }}
