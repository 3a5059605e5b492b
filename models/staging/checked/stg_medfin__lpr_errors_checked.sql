-- Raw lpr_error_list, every row judged once (macros/staging).
{{ staging_checked('lpr_error_list') }}
