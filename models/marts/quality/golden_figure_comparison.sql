-- Grain: figure x municipality x closed activity year x area/category. This build's totals of the
-- delivery's closed years against the golden figures (the latest published row per key, kept across
-- builds in quality.golden_figures). comparison:
--   new            no golden figure yet (becomes one when this build is published)
--   unchanged      equal units and amount
--   changed        different, under the same rules: a closed period moved (check fails)
--   missing        published before, absent now, under the same rules (check fails)
--   rules_changed  different or missing, but a rule seed row for the year changed (stated, passes;
--                  the new figures become golden when published)
with current_totals as (
    select * from {{ ref('closed_period_totals') }}
),

closed_years as (
    select * from {{ ref('int_delivery_closed_years') }}
),

latest_golden as (
    select
        golden.figure,
        golden.municipality_code,
        golden.activity_year,
        golden.breakdown,
        golden.units,
        golden.amount_dkk,
        golden.rules_fingerprint,
        golden.published_at,
        row_number() over (
            partition by
                golden.figure, golden.municipality_code, golden.activity_year, golden.breakdown
            order by golden.published_at desc
        ) as recency
    from {{ ref('stg_medfin_history__golden_figures') }} as golden
    -- only the closed years the delivery's period covers: a delivery of 2022 says nothing about
    -- 2021, but a delivery of 2021-2022 without any figure of 2021 has lost them all
    where golden.activity_year in (select y.activity_year from closed_years as y)
),

golden as (
    select * from latest_golden
    where recency = 1
),

current_fingerprints as (
    select
        activity_year,
        rules_fingerprint
    from closed_years
),

compared as (
    select
        coalesce(current_totals.figure, golden.figure) as figure,
        coalesce(current_totals.municipality_code, golden.municipality_code) as municipality_code,
        coalesce(current_totals.activity_year, golden.activity_year) as activity_year,
        coalesce(current_totals.breakdown, golden.breakdown) as breakdown,
        golden.units as golden_units,
        golden.amount_dkk as golden_amount_dkk,
        current_totals.units as current_units,
        current_totals.amount_dkk as current_amount_dkk,
        golden.rules_fingerprint as golden_rules_fingerprint,
        coalesce(current_totals.rules_fingerprint, fingerprints.rules_fingerprint)
            as current_rules_fingerprint,
        golden.published_at as golden_published_at,
        current_totals.figure is not null as in_current_build
    from current_totals
    full outer join golden
        on
            current_totals.figure = golden.figure
            and current_totals.municipality_code = golden.municipality_code
            and current_totals.activity_year = golden.activity_year
            and current_totals.breakdown = golden.breakdown
    left join current_fingerprints as fingerprints
        on golden.activity_year = fingerprints.activity_year
)

select
    figure,
    municipality_code,
    activity_year,
    breakdown,
    golden_units,
    golden_amount_dkk,
    current_units,
    current_amount_dkk,
    cast(coalesce(current_amount_dkk, 0) - coalesce(golden_amount_dkk, 0) as {{ money_type() }})
        as difference_dkk,
    golden_rules_fingerprint,
    current_rules_fingerprint,
    golden_published_at,
    in_current_build,
    case
        when golden_published_at is null then 'new'
        when
            current_units = golden_units and current_amount_dkk = golden_amount_dkk
            then 'unchanged'
        when golden_rules_fingerprint != current_rules_fingerprint then 'rules_changed'
        when not in_current_build then 'missing'
        else 'changed'
    end as comparison
from compared
