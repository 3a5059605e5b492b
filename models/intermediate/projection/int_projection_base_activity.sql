-- Grain: citizen x municipality x sex x age x report area: what each citizen of a municipality
-- did and cost in the base year: the numerators of the projection's rates (summed by
-- int_projection_activity) and the citizens behind them (whom discretion counts). Contacts and
-- admissions are those of the health-council data packages (int_data_package_activity: the
-- municipality of residence on the day, age on 1 January, 0 for a child born during the year);
-- co-financing is core.fct_co_financing of the base year (activity month) by paying
-- municipality, with the same age on 1 January and the report area of its area and provider
-- kind (seeds/data_package_areas). Person-level: never published.
with base_year as (
    select
        base_year,
        base_date
    from {{ ref('int_projection_base_year') }}
),

activity as (
    select
        activity.person_id,
        activity.municipality_code,
        activity.sex,
        activity.age,
        activity.report_area,
        sum(activity.events) as contacts,
        sum(case when activity.contact_kind = 'admission' then activity.events else 0 end)
            as admissions,
        cast(0 as {{ money_type() }}) as co_financing_dkk,
        false as uses_illustrative_rules
    from {{ ref('int_data_package_activity') }} as activity
    inner join base_year
        on activity.period = base_year.base_year
    group by
        activity.person_id,
        activity.municipality_code,
        activity.sex,
        activity.age,
        activity.report_area
),

co_financing_units as (
    select
        units.person_id,
        units.paying_municipality_code as municipality_code,
        units.sex,
        {{ completed_years('persons.birth_date', 'base_year.base_date') }} as age_on_1_january,
        areas.report_area,
        units.co_financing_dkk,
        units.rule_status
    from {{ ref('fct_co_financing') }} as units
    inner join base_year
        on extract(year from units.activity_month) = base_year.base_year
    inner join {{ ref('stg_medfin__persons') }} as persons
        on units.person_id = persons.person_id
    inner join {{ ref('data_package_areas') }} as areas
        on
            units.area = areas.co_financing_area
            and coalesce(units.provider_kind, '') = coalesce(areas.provider_kind, '')
),

co_financing as (
    select
        person_id,
        municipality_code,
        sex,
        case when age_on_1_january < 0 then 0 else age_on_1_january end as age,
        report_area,
        0 as contacts,
        0 as admissions,
        sum(co_financing_dkk) as co_financing_dkk,
        max(case when rule_status = 'illustrative' then 1 else 0 end) = 1
            as uses_illustrative_rules
    from co_financing_units
    group by
        person_id,
        municipality_code,
        sex,
        case when age_on_1_january < 0 then 0 else age_on_1_january end,
        report_area
),

both_sources as (
    select * from activity
    union all
    select * from co_financing
)

select
    person_id,
    municipality_code,
    sex,
    age,
    report_area,
    cast(sum(contacts) as bigint) as contacts,
    cast(sum(admissions) as bigint) as admissions,
    cast(sum(co_financing_dkk) as {{ money_type() }}) as co_financing_dkk,
    max(case when uses_illustrative_rules then 1 else 0 end) = 1 as uses_illustrative_rules
from both_sources
group by
    person_id,
    municipality_code,
    sex,
    age,
    report_area
