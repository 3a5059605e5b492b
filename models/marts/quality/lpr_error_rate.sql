-- Grain: region x activity year. The LPR error rate: errors on the LPR error list (year of the
-- list they appeared on) per unique report submitted to LPR (raw lpr_report_counts). A region-year
-- with reports but no listed error has 0 errors; listed_errors is null when the error list was not
-- delivered (an optional table: unknown, not zero), unique_reports null when the report counts
-- were not delivered for that region and year, error_share null when either is unknown or there
-- were no reports.
with errors as (
    select
        region_code,
        cast(extract(year from listed_on) as integer) as activity_year,
        count(*) as listed_errors,
        count(contact_id) as errors_with_contact
    from {{ ref('stg_medfin__lpr_errors') }}
    group by region_code, cast(extract(year from listed_on) as integer)
),

reports as (
    select
        region_code,
        activity_year,
        reports
    from {{ ref('stg_medfin__lpr_report_counts') }}
),

error_list as (
    select coalesce(max(case when delivered then 1 else 0 end), 0) = 1 as is_delivered
    from {{ ref('stg_medfin_build__delivery_audit') }}
    where source_table = 'lpr_error_list'
),

keyed as (
    select
        coalesce(errors.region_code, reports.region_code) as region_code,
        coalesce(errors.activity_year, reports.activity_year) as activity_year,
        case
            when error_list.is_delivered then coalesce(errors.listed_errors, 0)
        end as listed_errors,
        case
            when error_list.is_delivered then coalesce(errors.errors_with_contact, 0)
        end as errors_with_contact,
        reports.reports as unique_reports
    from errors
    full outer join reports
        on
            errors.region_code = reports.region_code
            and errors.activity_year = reports.activity_year
    cross join error_list
)

select
    region_code,
    activity_year,
    cast(listed_errors as bigint) as listed_errors,
    cast(errors_with_contact as bigint) as errors_with_contact,
    cast(unique_reports as bigint) as unique_reports,
    cast(listed_errors as double) / nullif(unique_reports, 0) as error_share
from keyed
