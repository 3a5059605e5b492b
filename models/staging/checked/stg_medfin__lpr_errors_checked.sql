-- Every row of raw lpr_error_list judged once against staging_rules('lpr_error_list') (macros/staging).
{{ staging_checked('lpr_error_list') }}
