-- Raw drg_procedures, every row judged once (macros/staging).
{{ staging_checked('drg_procedures') }}
