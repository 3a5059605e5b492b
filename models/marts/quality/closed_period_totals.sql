-- Grain: figure x paying municipality x activity year x area/category, for the activity years of
-- this delivery that are closed (int_delivery_closed_years: the delivery was extracted long enough
-- after the year's end). With the fingerprint of the rule seed rows that applied to the year, so
-- that a changed total can be told apart from a changed rule (golden_figure_comparison).
with co_financing as (
    select
        'co_financing' as figure,
        paying_municipality_code as municipality_code,
        cast(extract(year from activity_month) as integer) as activity_year,
        area as breakdown,
        count(*) as units,
        sum(co_financing_dkk) as amount_dkk
    from {{ ref('fct_co_financing') }}
    group by paying_municipality_code, extract(year from activity_month), area
),

full_financing as (
    select
        'full_financing' as figure,
        paying_municipality_code as municipality_code,
        cast(extract(year from activity_month) as integer) as activity_year,
        category as breakdown,
        sum(quantity) as units,
        sum(amount_dkk) as amount_dkk
    from {{ ref('fct_full_financing') }}
    group by paying_municipality_code, extract(year from activity_month), category
),

totals as (
    select * from co_financing
    union all
    select * from full_financing
)

select
    totals.figure,
    cast(totals.municipality_code as integer) as municipality_code,
    totals.activity_year,
    totals.breakdown,
    cast(totals.units as bigint) as units,
    cast(totals.amount_dkk as {{ money_type() }}) as amount_dkk,
    closed_years.rules_fingerprint
from totals
inner join {{ ref('int_delivery_closed_years') }} as closed_years
    on totals.activity_year = closed_years.activity_year
