-- Grain: one row per calendar day of the years of seed danish_public_holidays (from 1 January of
-- its first year to 31 December of its last; 2015-2030 today): a day is only in the calendar when
-- its holidays are known. ISO week and weekday and Danish working days: a working day is a weekday
-- (Monday-Friday) that is not a public holiday in seeds.danish_public_holidays (statutory
-- helligdage only; Grundlovsdag, 24 and 31 December count as working days, see
-- scripts/make_holiday_seed.py). tests/dbt/core/assert_dim_date_covers_delivery_period.sql
-- fails when a delivery's period reaches beyond it: extend the holiday seed.
-- year, quarter and month are the conventional calendar column names (hence noqa RF04).
{%- set holidays_relation = ref('danish_public_holidays') %}
{%- set first_day = "(select cast(min(" ~ dbt.date_trunc('year', 'date') ~ ") as date) from "
    ~ holidays_relation ~ ")" %}
{%- set last_year = "max(" ~ dbt.date_trunc('year', 'date') ~ ")" %}
{%- set day_after_last = "(select cast(" ~ dbt.dateadd('year', 1, last_year) ~ " as date) from "
    ~ holidays_relation ~ ")" %}

with days as (
    {{ medfin_date_spine('day', first_day, day_after_last) }}
),

holidays as (
    select
        cast(holidays.date as date) as holiday_date,
        holidays.holiday_name
    from {{ holidays_relation }} as holidays
),

calendar as (
    select
        days.date_day,
        cast(extract(year from days.date_day) as integer) as year,  -- noqa: RF04
        cast(extract(quarter from days.date_day) as integer) as quarter,  -- noqa: RF04
        cast(extract(month from days.date_day) as integer) as month,  -- noqa: RF04
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start,
        cast(extract(day from days.date_day) as integer) as day_of_month,
        {{ medfin_iso_week('days.date_day') }} as iso_week,
        {{ medfin_iso_weekday('days.date_day') }} as iso_weekday,
        holidays.holiday_date is not null as is_public_holiday,
        holidays.holiday_name
    from days
    left join holidays
        on days.date_day = holidays.holiday_date
),

flagged as (
    select
        *,
        iso_weekday >= 6 as is_weekend,
        iso_weekday <= 5 and not is_public_holiday as is_working_day
    from calendar
)

select
    date_day,
    year,
    quarter,
    month,
    month_start,
    day_of_month,
    iso_week,
    iso_weekday,
    is_weekend,
    is_public_holiday,
    holiday_name,
    is_working_day,
    case
        when is_working_day
            then cast(sum(case when is_working_day then 1 else 0 end) over (
                partition by month_start
                order by date_day
                rows between unbounded preceding and current row
            ) as integer)
    end as working_day_of_month
from flagged
