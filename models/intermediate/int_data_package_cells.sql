-- Grain: table x period x area (country, region, health council, municipality) x breakdown value:
-- every cell of the health-council data packages before discretion, with the count, the citizens
-- behind it (observations, which discretion judges) and the population its per-1,000 rate divides
-- by. Every municipality of every council has a row, zero when nobody of it was delivered. The
-- tables are listed in seeds/data_package_tables.csv; a test keeps that list and the blocks below
-- equal. The denominators are cells too (table_id `denominator_<breakdown>`, is_denominator), so
-- that discretion judges them like any count and a rate never reveals a hidden population.
-- Unsuppressed: never published (reporting.data_package is).
with geography as (
    select * from {{ ref('int_data_package_geography') }}
),

age_bands as (
    select * from {{ ref('report_age_bands') }}
),

population as (
    select
        population_year as period,
        reference_date as activity_date,
        municipality_code,
        sex,
        age,
        age_group as co_financing_age_group,
        persons,
        false as uses_illustrative_rule
    from {{ ref('fct_population') }}
),

activity as (
    select
        *,
        false as uses_illustrative_rule
    from {{ ref('int_data_package_activity') }}
),

-- A psychiatric contact is valued at the psychiatric tariff of its year (the co-financing basis);
-- the value is illustrative when that year's tariff is.
psychiatric_tariff_status as (
    select
        year,
        max(case when status = 'illustrative' then 1 else 0 end) = 1 as is_illustrative
    from {{ ref('psychiatric_tariffs') }}
    group by year
),

-- Every billing unit of the co-financing (DRG course, psychiatric contact, practice service) with
-- its paying municipality: the value of treatment (basis) and the co-financing. A unit in
-- int_financing_quarantine is in neither, as in the finance marts.
billing_units as (
    select
        cast(extract(year from units.billing_date) as integer) as period,
        units.billing_date as activity_date,
        units.paying_municipality_code as municipality_code,
        units.person_id,
        units.area as co_financing_area,
        units.age_group as co_financing_age_group,
        areas.report_area,
        units.basis_dkk,
        units.co_financing_dkk,
        units.billing_unit_type = 'psychiatric_contact'
        and coalesce(tariffs.is_illustrative, true) as basis_is_illustrative,
        units.rule_status = 'illustrative' as rule_is_illustrative
    from {{ ref('fct_co_financing') }} as units
    inner join {{ ref('data_package_areas') }} as areas
        on
            units.area = areas.co_financing_area
            and coalesce(units.provider_kind, '') = coalesce(areas.provider_kind, '')
    left join psychiatric_tariff_status as tariffs
        on extract(year from units.billing_date) = tariffs.year
),

treatment_value as (
    select
        *,
        basis_is_illustrative as uses_illustrative_rule
    from billing_units
),

co_financing as (
    select
        *,
        rule_is_illustrative as uses_illustrative_rule
    from billing_units
),

full_financing as (
    select
        cast(extract(year from activity_date) as integer) as period,
        activity_date,
        paying_municipality_code as municipality_code,
        person_id,
        category,
        quantity,
        amount_dkk,
        tariff_status = 'illustrative' as uses_illustrative_rule
    from {{ ref('fct_full_financing') }}
),

-- Table 7: one row per index admission (core.fct_admission_stays) with its chain of readmissions,
-- in the municipality of residence at its start and the year of its discharge; age on 1 January of
-- that year, as the population.
readmission_chains as (
    select
        cast(extract(year from stays.discharge_date) as integer) as period,
        stays.discharge_date as activity_date,
        stays.residence_municipality_code as municipality_code,
        stays.person_id,
        stays.sex,
        stays.age_on_1_january as age,
        areas.report_area,
        stays.readmissions,
        case when stays.is_followed_by_readmission then 1 else 0 end as followed,
        stays.uses_illustrative_rules as uses_illustrative_rule
    from {{ ref('fct_admission_stays') }} as stays
    inner join {{ ref('data_package_areas') }} as areas
        on
            stays.area = areas.co_financing_area
            and areas.provider_kind is null
    where stays.is_index_admission
),

-- Table 8: the preventable admissions of citizens 65+ (int_preventable_admissions), one event
-- each, with the DRG value of their courses; age and residence on the admission date.
preventable as (
    select
        admission_year as period,
        admission_date as activity_date,
        municipality_code,
        person_id,
        sex,
        age,
        preventable_group,
        1 as events,
        drg_value_dkk,
        uses_illustrative_rule
    from {{ ref('int_preventable_admissions') }}
    where is_preventable
),

{#- The measures and filters the tables share. Observations are the citizens behind a cell. -#}
{%- set persons = 'sum(facts.persons)' %}
{%- set events = 'sum(facts.events)' %}
{%- set citizens = 'count(distinct facts.person_id)' %}
{%- set kroner = 'sum(facts.amount_dkk)' %}
{%- set somatic = "facts.report_area = 'hospital_somatic'" %}
{%- set outpatient_visits = somatic ~ " and facts.contact_kind = 'outpatient_visit'" %}
{%- set admissions = somatic ~ " and facts.contact_kind = 'admission'" %}
{%- set specialist_practice = "facts.report_area = 'specialist_practice'" %}
{%- set general_practice = "facts.report_area = 'general_practice'" %}

counted as (
    {{ data_package_table('1a', 'population', 'true', 'age_band', persons, persons) }}
    union all
    {{ data_package_table('1b', 'population', 'true', 'sex', persons, persons) }}
    union all
    {{ data_package_table('4a', 'activity', 'true', 'report_area', events, citizens) }}
    union all
    {{ data_package_table('4b', 'activity', 'true', 'report_area', citizens, citizens,
        additive=false) }}
    union all
    {{ data_package_table('6a', 'activity', outpatient_visits, 'age_band', events, citizens) }}
    union all
    {{ data_package_table('6b', 'activity', admissions, 'age_band', events, citizens) }}
    union all
    {{ data_package_table('6c', 'activity', somatic, 'age_band', citizens, citizens,
        additive=false) }}
    union all
    {{ data_package_table('7a', 'readmission_chains', 'facts.readmissions > 0', 'report_area',
        'sum(facts.readmissions)', citizens) }}
    union all
    {{ data_package_table('7b', 'readmission_chains', 'facts.followed = 1', 'report_area',
        'sum(facts.followed)', citizens) }}
    union all
    {{ data_package_table('7c', 'readmission_chains', 'true', 'report_area', 'count(*)',
        citizens) }}
    union all
    {{ data_package_table('8a', 'preventable', 'true', 'preventable_group', events, citizens) }}
    union all
    {{ data_package_table('8b', 'preventable', 'true', 'preventable_group',
        'sum(facts.drg_value_dkk)', citizens) }}
    union all
    {{ data_package_table('9a', 'activity', specialist_practice, 'specialty', citizens, citizens,
        additive=false) }}
    union all
    {{ data_package_table('10a', 'activity', general_practice, 'age_band', citizens, citizens,
        additive=false) }}
    union all
    {{ data_package_table('10b', 'activity', general_practice, 'age_band', events, citizens) }}
    union all
    {{ data_package_table('13a', 'treatment_value', 'true', 'report_area',
        'sum(facts.basis_dkk)', citizens) }}
    union all
    {{ data_package_table('14a', 'full_financing', 'true', 'category', kroner, citizens) }}
    union all
    {{ data_package_table('14b', 'full_financing', 'true', 'category', 'sum(facts.quantity)',
        citizens) }}
    union all
    {{ data_package_table('M1a', 'co_financing', 'true', 'co_financing_area',
        'sum(facts.co_financing_dkk)', citizens) }}
    union all
    {{ data_package_table('M1b', 'co_financing', 'true', 'co_financing_age_group',
        'sum(facts.co_financing_dkk)', citizens) }}
),

-- The citizens a per-1,000 rate divides by: the whole population of the area, or the part of it
-- in the same age band, sex or co-financing age group, or in one named age band (`age_band:<band>`;
-- seeds/data_package_tables.csv denominator).
denominators as (
    {%- for breakdown, column in [('all', 'all'), ('age_band', 'age_band'), ('sex', 'sex'),
        ('age_group', 'co_financing_age_group')] %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            'denominator_{{ breakdown }}' as table_id,
            '{{ breakdown }}' as breakdown,
            by_area.period,
            by_area.geo_level,
            by_area.geo_code,
            by_area.breakdown_value,
            by_area.count_value,
            by_area.observations,
            by_area.uses_illustrative_rule
        from ({{ data_package_table('-', 'population', 'true', column, persons, persons) }})
            as by_area
    {%- endfor %}
),

-- A package covers the years with a population on 1 January.
periods as (
    select distinct
        period,
        activity_date as period_start
    from population
),

tables as (
    select
        package_tables.table_id,
        package_tables.table_no,
        package_tables.sort_order as table_sort,
        package_tables.title_da,
        package_tables.unit,
        package_tables.breakdown,
        package_tables.denominator,
        package_tables.source_note_da,
        false as is_denominator,
        periods.period,
        periods.period_start
    from {{ ref('data_package_tables') }} as package_tables
    inner join periods
        on {{ valid_on('package_tables', 'periods.period_start') }}
    union all
    select distinct
        denominators.table_id,
        cast(null as varchar) as table_no,
        cast(null as integer) as table_sort,
        cast(null as varchar) as title_da,
        'citizens' as unit,
        denominators.breakdown,
        cast(null as varchar) as denominator,
        cast(null as varchar) as source_note_da,
        true as is_denominator,
        periods.period,
        periods.period_start
    from denominators
    inner join periods
        on denominators.period = periods.period
),

values_counted as (
    select
        table_id,
        period,
        geo_level,
        geo_code,
        breakdown_value,
        count_value,
        observations,
        uses_illustrative_rule
    from counted
    union all
    select
        table_id,
        period,
        geo_level,
        geo_code,
        breakdown_value,
        count_value,
        observations,
        uses_illustrative_rule
    from denominators
),

areas as (
    select distinct
        geo_level,
        geo_code,
        geo_name,
        parent_geo_code,
        geo_sort
    from geography
),

-- The columns of a table: every breakdown value with activity anywhere in the period.
table_columns as (
    select distinct
        table_id,
        period,
        breakdown_value
    from values_counted
    where geo_level = 'country'
),

grid as (
    select
        tables.*,
        areas.geo_level,
        areas.geo_code,
        areas.geo_name,
        areas.parent_geo_code,
        areas.geo_sort,
        table_columns.breakdown_value,
        -- the denominator cell of the cell's rate
        case
            when tables.denominator = 'row_population' then 'denominator_all'
            when tables.denominator = 'breakdown_population' then 'denominator_' || tables.breakdown
            when tables.denominator like 'age_band:%' then 'denominator_age_band'
        end as denominator_table_id,
        case
            when tables.denominator = 'row_population' then 'all'
            when tables.denominator = 'breakdown_population' then table_columns.breakdown_value
            when tables.denominator like 'age_band:%'
                then {{ dbt.split_part('tables.denominator', "':'", 2) }}
        end as denominator_value
    from tables
    inner join table_columns
        on
            tables.table_id = table_columns.table_id
            and tables.period = table_columns.period
    cross join areas
)

select
    grid.table_id,
    grid.table_no,
    grid.table_sort,
    grid.title_da,
    grid.unit,
    grid.breakdown,
    grid.source_note_da,
    grid.is_denominator,
    grid.period,
    grid.period_start,
    grid.geo_level,
    grid.geo_code,
    grid.geo_name,
    grid.parent_geo_code,
    grid.geo_sort,
    grid.breakdown_value,
    coalesce(labels.label_da, grid.breakdown_value) as breakdown_label,
    cast(coalesce(
        labels.sort_order,
        dense_rank() over (partition by grid.table_id, grid.period order by grid.breakdown_value)
    ) as integer) as breakdown_sort,
    coalesce(counted.count_value, 0) as count_value,
    coalesce(counted.observations, 0) as observations,
    coalesce(counted.uses_illustrative_rule, false) as uses_illustrative_rule,
    grid.denominator_table_id,
    grid.denominator_value,
    cast(coalesce(denominators.count_value, 0) as bigint) as citizens
from grid
left join values_counted as counted
    on
        grid.table_id = counted.table_id
        and grid.period = counted.period
        and grid.geo_level = counted.geo_level
        and grid.geo_code = counted.geo_code
        and grid.breakdown_value = counted.breakdown_value
left join denominators
    on
        grid.denominator_table_id = denominators.table_id
        and grid.denominator_value = denominators.breakdown_value
        and grid.period = denominators.period
        and grid.geo_level = denominators.geo_level
        and grid.geo_code = denominators.geo_code
left join {{ ref('dim_label') }} as labels
    on
        labels.domain = case grid.breakdown
            when 'age_band' then 'report_age_band'
            else grid.breakdown
        end
        and grid.breakdown_value = labels.code
