-- Grain: one row per activity year that the delivery's period covers (manifest period) and that
-- is closed (seed period_closing_rules: extracted at least closed_after_months after the year's
-- end), with the fingerprint of the rule seed rows behind the year. Taken from the manifest, not
-- from the data: a closed year the delivery covers but holds nothing of is still a closed year,
-- so golden_figure_comparison sees its published figures as missing.
with delivery as (
    select
        max(extracted_at) as extracted_at,
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
),

closed_years as (
    select
        years.activity_year,
        {{ year_start('years.activity_year') }} as year_start
    from years
    cross join delivery
    inner join {{ ref('period_closing_rules') }} as closing
        on {{ valid_on('closing', year_start('years.activity_year')) }}
    where
        delivery.extracted_at >= {{ dbt.dateadd(
            'month',
            'closing.closed_after_months',
            dbt.dateadd('year', 1, year_start('years.activity_year')),
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
    closed_years.activity_year,
    closed_years.year_start,
    coalesce(fingerprints.rules_fingerprint, 'no_rules') as rules_fingerprint
from closed_years
left join fingerprints on closed_years.activity_year = fingerprints.activity_year
