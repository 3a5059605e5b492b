-- Reports submitted to LPR per region and year that passed base_medfin__lpr_report_counts.
-- Empty when the table was not delivered.
select
    cast(region_code as integer) as region_code,
    cast(activity_year as integer) as activity_year,
    reports,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__lpr_report_counts') }}
where rejection_reason is null
