-- Raw persons, every row judged once (macros/staging).
{{ staging_checked('persons') }}
