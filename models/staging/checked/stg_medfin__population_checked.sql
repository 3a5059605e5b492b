-- Raw population, every row judged once (macros/staging).
{{ staging_checked('population') }}
