-- Grain: municipality of residence x year x diagnosis group: the preventable admissions of
-- citizens 65+ (intermediate.int_preventable_admissions; docs/indicators-planning.md), the
-- distinct citizens behind them, their DRG value and co-financing, and the admissions per 1,000
-- citizens of the indicator's age band on 1 January (core.fct_population, the band of
-- seeds/preventable_admission_rules.csv). Every group valid in the year has a row for every
-- municipality with a population, zero when nobody was admitted; admissions of a municipality
-- without a population row keep their rows with a null population and rate.
with admissions as (
    select
        municipality_code,
        admission_year as activity_year,
        preventable_group,
        count(*) as admissions,
        count(distinct person_id) as citizens,
        sum(drg_value_dkk) as drg_value_dkk,
        sum(co_financing_dkk) as co_financing_dkk,
        max(case when uses_illustrative_rule then 1 else 0 end) = 1 as uses_illustrative_rules
    from {{ ref('int_preventable_admissions') }}
    where is_preventable
    group by municipality_code, admission_year, preventable_group
),

population as (
    select
        population.municipality_code,
        population.population_year as activity_year,
        population.reference_date,
        max(case when rules.status = 'illustrative' then 1 else 0 end) = 1 as rule_is_illustrative,
        sum(population.persons) as citizens_in_age_band
    from {{ ref('fct_population') }} as population
    inner join {{ ref('preventable_admission_rules') }} as rules
        on {{ valid_on('rules', 'population.reference_date') }}
    inner join {{ ref('report_age_bands') }} as bands
        on
            rules.age_band = bands.age_band
            and {{ in_age_band('bands', 'population.age', 'population.reference_date') }}
    group by population.municipality_code, population.population_year, population.reference_date
),

-- a group's rows (code ranges) of one validity period; illustrative when any range is
group_periods as (
    select
        preventable_group,
        valid_from,
        valid_to,
        max(case when status = 'illustrative' then 1 else 0 end) = 1 as is_illustrative
    from {{ ref('preventable_admission_groups') }}
    group by preventable_group, valid_from, valid_to
),

-- the rows a population gives: every group valid on 1 January
expected as (
    select
        population.municipality_code,
        population.activity_year,
        group_periods.preventable_group,
        population.rule_is_illustrative or group_periods.is_illustrative as is_illustrative
    from population
    inner join group_periods
        on {{ valid_on('group_periods', 'population.reference_date') }}
),

keys as (
    select
        municipality_code,
        activity_year,
        preventable_group
    from admissions
    union
    select
        municipality_code,
        activity_year,
        preventable_group
    from expected
)

select
    keys.municipality_code,
    municipalities.municipality_name,
    municipalities.region_code,
    municipalities.region_name,
    municipalities.health_council,
    cast(keys.activity_year as integer) as activity_year,
    keys.preventable_group,
    group_names.label_da as preventable_group_name_da,
    group_names.label_en as preventable_group_name_en,
    cast(coalesce(admissions.admissions, 0) as bigint) as admissions,
    cast(coalesce(admissions.citizens, 0) as bigint) as citizens,
    cast(population.citizens_in_age_band as bigint) as citizens_in_age_band,
    cast(
        round(
            1000.0 * coalesce(admissions.admissions, 0)
            / nullif(population.citizens_in_age_band, 0),
            1
        )
        as {{ rate_type() }}
    ) as admissions_per_1000,
    cast(coalesce(admissions.drg_value_dkk, 0) as {{ money_type() }}) as drg_value_dkk,
    cast(coalesce(admissions.co_financing_dkk, 0) as {{ money_type() }}) as co_financing_dkk,
    coalesce(admissions.uses_illustrative_rules, false)
    or coalesce(expected.is_illustrative, false) as uses_illustrative_rules
from keys
left join admissions
    on
        keys.municipality_code = admissions.municipality_code
        and keys.activity_year = admissions.activity_year
        and keys.preventable_group = admissions.preventable_group
left join expected
    on
        keys.municipality_code = expected.municipality_code
        and keys.activity_year = expected.activity_year
        and keys.preventable_group = expected.preventable_group
left join population
    on
        keys.municipality_code = population.municipality_code
        and keys.activity_year = population.activity_year
left join {{ ref('dim_municipality') }} as municipalities
    on keys.municipality_code = municipalities.municipality_code
{{ join_label('preventable_group', 'keys.preventable_group', 'group_names') }}
