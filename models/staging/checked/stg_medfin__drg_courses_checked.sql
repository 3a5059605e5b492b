-- Raw drg_courses, every row judged once (macros/staging).
{{ staging_checked('drg_courses') }}
