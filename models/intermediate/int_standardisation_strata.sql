-- Grain: municipality of residence x year x sex x co-financing age group x measure: the strata of
-- the age- and sex-standardised rates (planning.standardised_rates). For each stratum the
-- citizens on 1 January (core.fct_population) and what they had (observed): hospital contacts
-- and admissions (DRG and psychiatric contacts, as the data packages count them:
-- int_data_package_activity, residence on the day) and co-financing (core.fct_co_financing, the
-- paying municipality). Every citizen is in the stratum of their age on 1 January of the year (0
-- for a child born during it), as in the population: the age groups of seeds/age_groups.csv valid
-- that day (`all` before 2018). Every stratum with citizens has a row for every measure, zero when
-- nothing was observed; activity in a stratum without citizens keeps its row with population 0.
with population as (
    select
        municipality_code,
        population_year as activity_year,
        sex,
        age_group,
        sum(persons) as population
    from {{ ref('fct_population') }}
    group by municipality_code, population_year, sex, age_group
),

activity as (
    select
        municipality_code,
        period as activity_year,
        sex,
        age,
        'contacts' as measure,
        events as observed
    from {{ ref('int_data_package_activity') }}
    where report_area in ('hospital_somatic', 'hospital_psychiatric')
    union all
    select
        municipality_code,
        period as activity_year,
        sex,
        age,
        'admissions' as measure,
        events as observed
    from {{ ref('int_data_package_activity') }}
    where
        report_area in ('hospital_somatic', 'hospital_psychiatric')
        and contact_kind = 'admission'
    union all
    select
        units.paying_municipality_code as municipality_code,
        cast(extract(year from units.billing_date) as integer) as activity_year,
        units.sex,
        {{ completed_years(
            'persons.birth_date',
            'cast(' ~ dbt.date_trunc('year', 'units.billing_date') ~ ' as date)'
        ) }} as age,
        'co_financing' as measure,
        units.co_financing_dkk as observed
    from {{ ref('fct_co_financing') }} as units
    inner join {{ ref('stg_medfin__persons') }} as persons
        on units.person_id = persons.person_id
),

by_age as (
    select
        municipality_code,
        activity_year,
        sex,
        case when age < 0 then 0 else age end as age,
        measure,
        sum(observed) as observed
    from activity
    group by
        municipality_code,
        activity_year,
        sex,
        case when age < 0 then 0 else age end,
        measure
),

-- the age group of an age on 1 January, as core.fct_population assigns it
grouped as (
    select
        municipality_code,
        activity_year,
        sex,
        measure,
        observed,
        {{ co_financing_age_group('by_age.age', year_start('by_age.activity_year')) }}
            as age_group
    from by_age
),

observed as (
    select
        municipality_code,
        activity_year,
        sex,
        age_group,
        measure,
        sum(observed) as observed
    from grouped
    group by municipality_code, activity_year, sex, age_group, measure
),

-- the measures, as labels names them (every measure of `activity` is one; the marts' tests check)
measures as (
    select code as measure
    from {{ ref('dim_label') }}
    where domain = 'standardised_measure'
),

keys as (
    select
        municipality_code,
        activity_year,
        sex,
        age_group,
        measure
    from observed
    union
    select
        population.municipality_code,
        population.activity_year,
        population.sex,
        population.age_group,
        measures.measure
    from population
    cross join measures
)

select
    keys.municipality_code,
    cast(keys.activity_year as integer) as activity_year,
    keys.sex,
    keys.age_group,
    keys.measure,
    cast(coalesce(observed.observed, 0) as {{ money_type() }}) as observed,
    cast(coalesce(population.population, 0) as bigint) as population
from keys
left join observed
    on
        keys.municipality_code = observed.municipality_code
        and keys.activity_year = observed.activity_year
        and keys.sex = observed.sex
        and keys.age_group = observed.age_group
        and keys.measure = observed.measure
left join population
    on
        keys.municipality_code = population.municipality_code
        and keys.activity_year = population.activity_year
        and keys.sex = population.sex
        and keys.age_group = population.age_group
