-- Raw drg_contacts, every row judged once (macros/staging).
{{ staging_checked('drg_contacts') }}
