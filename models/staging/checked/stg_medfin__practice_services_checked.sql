-- Raw practice_services, every row judged once (macros/staging).
{{ staging_checked('practice_services') }}
