-- Grain: municipality of residence at the index admission's start x month of its discharge x area
-- (somatik, psykiatri) x sex x report age band (Under 65, 65+, 80+: they overlap, 80+ is inside
-- 65+): the 30-day readmission indicator of core.fct_admission_stays, as published. Each chain
-- (an index admission and its readmissions) counts in its index admission's row. Age on 1 January
-- of the discharge year, as the population the rate divides by. Only the years with a population
-- on 1 January (the delivered years); a row for each combination with an index admission.
-- Discretion (seeds/discretion_rules.csv, macro is_small_count): a count with 1-4 citizens behind
-- it shows -1, and so do the share and the rate computed from a hidden count or population.
with rules as (
    {{ small_count_rules() }}
),

age_bands as (
    select * from {{ ref('report_age_bands') }}
),

delivery as (
    select max(period_to) as period_to
    from {{ ref('stg_medfin_build__delivery_audit') }}
),

population as (
    select
        population.municipality_code,
        population.population_year,
        population.sex,
        age_bands.age_band,
        sum(population.persons) as persons
    from {{ ref('fct_population') }} as population
    inner join age_bands
        on
            population.age >= age_bands.age_from
            and (age_bands.age_to is null or population.age <= age_bands.age_to)
            and {{ valid_on('age_bands', 'population.reference_date') }}
    group by
        population.municipality_code,
        population.population_year,
        population.sex,
        age_bands.age_band
),

index_admissions as (
    select
        stays.*,
        cast(extract(year from stays.discharge_date) as integer) as discharge_year
    from {{ ref('fct_admission_stays') }} as stays
    where
        stays.is_index_admission
        and stays.residence_municipality_code is not null
        and extract(year from stays.discharge_date) in (
            select fct_population.population_year from {{ ref('fct_population') }}
        )
),

counted as (
    select
        index_admissions.residence_municipality_code as municipality_code,
        index_admissions.discharge_year,
        index_admissions.discharge_month,
        index_admissions.area,
        index_admissions.sex,
        age_bands.age_band,
        count(*) as index_admissions,
        count(distinct index_admissions.person_id) as index_citizens,
        sum(case when index_admissions.is_followed_by_readmission then 1 else 0 end)
            as index_admissions_readmitted,
        count(distinct case
            when index_admissions.is_followed_by_readmission then index_admissions.person_id
        end) as readmitted_citizens,
        sum(index_admissions.readmissions) as readmissions,
        max(index_admissions.window_days) as window_days,
        max(case when index_admissions.uses_illustrative_rules then 1 else 0 end) = 1
            as uses_illustrative_rules
    from index_admissions
    inner join age_bands
        on
            index_admissions.age_on_1_january >= age_bands.age_from
            and (
                age_bands.age_to is null or index_admissions.age_on_1_january <= age_bands.age_to
            )
            and {{ valid_on('age_bands', 'index_admissions.discharge_date') }}
    group by
        index_admissions.residence_municipality_code,
        index_admissions.discharge_year,
        index_admissions.discharge_month,
        index_admissions.area,
        index_admissions.sex,
        age_bands.age_band
),

judged as (
    select
        counted.*,
        population.persons as population,
        rules.shown_as,
        {{ is_small_count('counted.index_citizens', 'rules') }} as index_hidden,
        {{ is_small_count('counted.readmitted_citizens', 'rules') }} as readmitted_hidden,
        {{ is_small_count('population.persons', 'rules') }} as population_hidden,
        -- every index admission of the month has its whole window inside the delivered period
        {{ dbt.dateadd(
            'day', 'counted.window_days', dbt.last_day('counted.discharge_month', 'month')
        ) }} <= delivery.period_to as is_window_complete
    from counted
    cross join delivery
    left join population
        on
            counted.municipality_code = population.municipality_code
            and counted.discharge_year = population.population_year
            and counted.sex = population.sex
            and counted.age_band = population.age_band
    left join rules
        on {{ valid_on('rules', year_start('counted.discharge_year')) }}
)

select
    judged.municipality_code,
    municipalities.municipality_name,
    municipalities.health_council,
    municipalities.region_code,
    municipalities.region_name,
    judged.discharge_month,
    judged.area,
    area_names.label_da as area_name_da,
    area_names.label_en as area_name_en,
    judged.sex,
    judged.age_band,
    age_band_names.label_da as age_band_name_da,
    age_band_names.label_en as age_band_name_en,
    {%- for count, hidden in [
        ('population', 'population_hidden'),
        ('index_admissions', 'index_hidden'),
        ('index_admissions_readmitted', 'readmitted_hidden'),
        ('readmissions', 'readmitted_hidden'),
    ] %}
        cast(case
            when judged.{{ hidden }} then judged.shown_as else judged.{{ count }}
        end as bigint) as {{ count }},
    {%- endfor %}
    cast(case
        when judged.index_hidden or judged.readmitted_hidden then judged.shown_as
        else round(1.0 * judged.index_admissions_readmitted / judged.index_admissions, 4)
    end as double) as readmission_share,
    cast(case
        when judged.readmitted_hidden or judged.population_hidden then judged.shown_as
        when judged.population > 0 then round(1000.0 * judged.readmissions / judged.population, 1)
    end as double) as readmissions_per_1000,
    judged.is_window_complete,
    judged.uses_illustrative_rules
from judged
left join {{ ref('dim_municipality') }} as municipalities
    on judged.municipality_code = municipalities.municipality_code
{{ join_label('area', 'judged.area', 'area_names') }}
{{ join_label('report_age_band', 'judged.age_band', 'age_band_names') }}
