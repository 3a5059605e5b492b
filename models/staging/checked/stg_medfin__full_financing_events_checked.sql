-- Raw full_financing_events, every row judged once (macros/staging).
{{ staging_checked('full_financing_events') }}
