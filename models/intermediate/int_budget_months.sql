-- Grain: paying municipality x month of the delivered period x measure (`co_financing`,
-- `full_financing`): what the municipality paid for the month (co-financing of the billing units
-- of core.fct_co_financing, full financing of core.fct_full_financing, by the month that decides
-- each), the year so far (to_date: January, or the first delivered month of the year, up to the
-- month) and how many delivered months that is. Every municipality with a population or a payment
-- has a row for every delivered month, zero when it paid nothing; activity dated outside the
-- delivered period is in no row. months_in_year is the calendar's (dim_date). The base of
-- planning.budget_follow_up and the forecasts (int_budget_forecasts).
with delivery as (
    select
        min(period_from) as period_from,
        max(period_to) as period_to
    from {{ ref('stg_medfin_build__delivery_audit') }}
),

calendar_months as (
    select
        year as activity_year,
        month as month_of_year,
        month_start,
        count(*) over (partition by year) as months_in_year
    from {{ ref('dim_date') }}
    where day_of_month = 1
),

delivered_months as (
    select calendar_months.*
    from calendar_months
    cross join delivery
    where
        calendar_months.month_start <= delivery.period_to
        and calendar_months.month_start
        >= cast({{ dbt.date_trunc('month', 'delivery.period_from') }} as date)
),

amounts as (
    select
        paying_municipality_code as municipality_code,
        activity_month as month_start,
        'co_financing' as measure,
        sum(co_financing_dkk) as amount_dkk,
        max(case when rule_status = 'illustrative' then 1 else 0 end) as illustrative
    from {{ ref('fct_co_financing') }}
    group by paying_municipality_code, activity_month
    union all
    select
        paying_municipality_code as municipality_code,
        activity_month as month_start,
        'full_financing' as measure,
        sum(amount_dkk) as amount_dkk,
        max(case when tariff_status = 'illustrative' then 1 else 0 end) as illustrative
    from {{ ref('fct_full_financing') }}
    group by paying_municipality_code, activity_month
),

measures as (
    select 'co_financing' as measure
    union all
    select 'full_financing' as measure
),

municipalities as (
    select municipality_code from amounts
    union
    select municipality_code from {{ ref('fct_population') }}
),

grid as (
    select
        municipalities.municipality_code,
        delivered_months.activity_year,
        delivered_months.month_of_year,
        delivered_months.month_start,
        delivered_months.months_in_year,
        measures.measure
    from municipalities
    cross join delivered_months
    cross join measures
)

select
    grid.municipality_code,
    cast(grid.activity_year as integer) as activity_year,
    cast(grid.month_of_year as integer) as month_of_year,
    grid.month_start,
    cast(grid.months_in_year as integer) as months_in_year,
    grid.measure,
    cast(coalesce(amounts.amount_dkk, 0) as {{ money_type() }}) as amount_dkk,
    cast(sum(coalesce(amounts.amount_dkk, 0)) over (
        partition by grid.municipality_code, grid.measure, grid.activity_year
        order by grid.month_start
        rows between unbounded preceding and current row
    ) as {{ money_type() }}) as to_date_dkk,
    cast(count(*) over (
        partition by grid.municipality_code, grid.measure, grid.activity_year
        order by grid.month_start
        rows between unbounded preceding and current row
    ) as integer) as months_known,
    coalesce(amounts.illustrative, 0) = 1 as uses_illustrative_rules
from grid
left join amounts
    on
        grid.municipality_code = amounts.municipality_code
        and grid.month_start = amounts.month_start
        and grid.measure = amounts.measure
