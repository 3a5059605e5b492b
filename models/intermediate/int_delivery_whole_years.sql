-- Grain: one row per activity year that the delivered period covers whole, 1 January to 31
-- December (the manifest period; a warehouse loaded month by month: its loaded months, which
-- are contiguous). The bookings of a year the delivery covers only in part (months still to be
-- loaded) cannot be reconciled with its statement yet (quality.full_financing_reconciliation,
-- quality.co_financing_settlement).
with delivery as (
    select
        min(period_from) as period_from,
        max(period_to) as period_to
    from {{ ref('stg_medfin_build__delivery_audit') }}
),

years as (
    select distinct cast(extract(year from dates.date_day) as integer) as activity_year
    from {{ ref('dim_date') }} as dates
    cross join delivery
    where
        extract(year from dates.date_day) between extract(year from delivery.period_from)
        and extract(year from delivery.period_to)
)

select years.activity_year
from years
cross join delivery
where
    delivery.period_from <= {{ year_start('years.activity_year') }}
    and delivery.period_to >= {{ dbt.dateadd('day', -1, dbt.dateadd(
        'year', 1, year_start('years.activity_year')
    )) }}
