-- Every day of the delivery's period (manifest period, stg_medfin_build__delivery_audit) is in
-- dim_date: the calendar spans the years of the holiday seed, and the closed years
-- (int_delivery_closed_years) and publication deadlines (quality.publication_timeliness) are read
-- from it. A delivery that reaches beyond the seed fails here, naming its period, instead of
-- silently losing years: extend seeds/danish_public_holidays.csv (scripts/make_holiday_seed.py).
with delivery as (
    select
        min(period_from) as period_from,
        max(period_to) as period_to
    from {{ ref('stg_medfin_build__delivery_audit') }}
),

calendar as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from {{ ref('dim_date') }}
)

select
    delivery.period_from,
    delivery.period_to,
    calendar.first_day as calendar_first_day,
    calendar.last_day as calendar_last_day
from delivery
cross join calendar
where
    delivery.period_from < calendar.first_day
    or delivery.period_to > calendar.last_day
