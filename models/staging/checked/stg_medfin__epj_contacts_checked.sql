-- Raw epj_contacts, every row judged once (macros/staging).
{{ staging_checked('epj_contacts') }}
