-- Raw psychiatric_contacts, every row judged once (macros/staging).
{{ staging_checked('psychiatric_contacts') }}
