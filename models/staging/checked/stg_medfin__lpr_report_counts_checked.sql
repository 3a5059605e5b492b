-- Raw lpr_report_counts, every row judged once (macros/staging).
{{ staging_checked('lpr_report_counts') }}
