-- Every row of raw lpr_report_counts judged once against staging_rules('lpr_report_counts') (macros/staging).
{{ staging_checked('lpr_report_counts') }}
