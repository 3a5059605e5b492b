-- Grain: figure x paying municipality x activity year x area/category, for the activity years of
-- this delivery that are closed (period_closing_rules: the delivery was extracted long enough after
-- the year's end). With the fingerprint of the rule seed rows that applied to the year, so that a
-- changed total can be told apart from a changed rule (golden_figure_comparison).
with delivery as (
    select
        max(extracted_at) as extracted_at,
        min(period_from) as period_from,
        max(period_to) as period_to
    from {{ ref('stg_medfin_build__delivery_audit') }}
),

co_financing as (
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
),

years as (
    select distinct
        totals.activity_year,
        {{ year_start('totals.activity_year') }} as year_start
    from totals
),

closed_years as (
    select years.activity_year
    from years
    cross join delivery
    inner join {{ ref('period_closing_rules') }} as closing
        on {{ valid_on('closing', 'years.year_start') }}
    where
        years.activity_year between extract(year from delivery.period_from)
        and extract(year from delivery.period_to)
        and delivery.extracted_at >= {{ dbt.dateadd(
            'month',
            'closing.closed_after_months',
            dbt.dateadd('year', 1, 'years.year_start'),
        ) }}
),

fingerprints as (
    select
        rules.activity_year,
        {{ dbt.hash(dbt.listagg('rules.rule_row', "'|'", 'order by rules.rule_row')) }}
            as rules_fingerprint
    from (
        {{ rule_rows_by_year('closed_years') }}
    ) as rules
    group by rules.activity_year
)

select
    totals.figure,
    cast(totals.municipality_code as integer) as municipality_code,
    totals.activity_year,
    totals.breakdown,
    cast(totals.units as bigint) as units,
    cast(totals.amount_dkk as decimal(18, 2)) as amount_dkk,
    coalesce(fingerprints.rules_fingerprint, 'no_rules') as rules_fingerprint
from totals
inner join closed_years on totals.activity_year = closed_years.activity_year
left join fingerprints on totals.activity_year = fingerprints.activity_year
