-- Raw residence, every row judged once (macros/staging).
{{ staging_checked('residence') }}
