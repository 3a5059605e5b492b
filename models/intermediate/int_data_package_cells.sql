-- Grain: table x period x area (country, region, health council, municipality) x breakdown value:
-- every cell of the health-council data packages before discretion, with the count, the number of
-- units behind it (observations, which discretion judges) and the population that its per-1,000
-- rate divides by. Every municipality of every council has a row, zero when nobody of it was
-- delivered. The tables are listed in seeds/data_package_tables.csv; a dbt test keeps that list
-- and the blocks below equal. Unsuppressed: never published (reporting.data_package is).
with geography as (
    select * from {{ ref('int_data_package_geography') }}
),

age_bands as (
    select * from {{ ref('report_age_bands') }}
),

activity as (
    select * from {{ ref('int_data_package_activity') }}
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

{#- The measures and filters the tables share. -#}
{%- set persons = 'sum(facts.persons)' %}
{%- set rows = 'count(*)' %}
{%- set citizens = 'count(distinct facts.person_id)' %}
{%- set kroner = 'sum(facts.amount_dkk)' %}
{%- set days_or_visits = 'sum(facts.quantity)' %}
{%- set activity = "facts.fact_kind = 'activity'" %}
{%- set somatic = activity ~ " and facts.report_area = 'hospital_somatic'" %}
{%- set outpatient_visits = somatic ~ " and facts.contact_kind = 'outpatient_visit'" %}
{%- set admissions = somatic ~ " and facts.contact_kind = 'admission'" %}
{%- set specialist_practice = activity ~ " and facts.report_area = 'specialist_practice'" %}
{%- set general_practice = activity ~ " and facts.report_area = 'general_practice'" %}
{%- set valued = "(facts.fact_kind in ('course_value', 'psychiatric_value')"
    ~ " or (" ~ activity ~ " and facts.activity_source = 'practice_services'))" %}
{%- set full_financing = "facts.fact_kind = 'full_financing'" %}
{%- set co_financing = "facts.fact_kind = 'co_financing'" %}

counted as (
    {{ data_package_table('1a', 'population', 'true', 'age_band', persons, persons) }}
    union all
    {{ data_package_table('1b', 'population', 'true', 'sex', persons, persons) }}
    union all
    {{ data_package_table('4a', 'activity', activity, 'report_area', rows, rows) }}
    union all
    {{ data_package_table('4b', 'activity', activity, 'report_area', citizens, citizens) }}
    union all
    {{ data_package_table('6a', 'activity', outpatient_visits, 'age_band', rows, rows) }}
    union all
    {{ data_package_table('6b', 'activity', admissions, 'age_band', rows, rows) }}
    union all
    {{ data_package_table('6c', 'activity', somatic, 'age_band', citizens, citizens) }}
    union all
    {{ data_package_table('9a', 'activity', specialist_practice, 'specialty', citizens, citizens) }}
    union all
    {{ data_package_table('10a', 'activity', general_practice, 'age_band', citizens, citizens) }}
    union all
    {{ data_package_table('10b', 'activity', general_practice, 'age_band', rows, rows) }}
    union all
    {{ data_package_table('13a', 'activity', valued, 'report_area', kroner, rows) }}
    union all
    {{ data_package_table('14a', 'activity', full_financing, 'category', kroner, rows) }}
    union all
    {{ data_package_table('14b', 'activity', full_financing, 'category', days_or_visits, rows) }}
    union all
    {{ data_package_table('M1a', 'activity', co_financing, 'co_financing_area', kroner, rows) }}
    union all
    {{ data_package_table('M1b', 'activity', co_financing, 'co_financing_age_group',
        kroner, rows) }}
),

-- The citizens a per-1,000 rate divides by: the whole population of the area, or the part of it
-- in the same age band, sex or co-financing age group (seeds/data_package_tables.csv denominator).
denominators as (
    {%- for breakdown, column in [('all', 'all'), ('age_band', 'age_band'), ('sex', 'sex'),
        ('age_group', 'co_financing_age_group')] %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            '{{ breakdown }}' as breakdown,
            geo_level,
            geo_code,
            period,
            breakdown_value,
            count_value as citizens
        from ({{ data_package_table('-', 'population', 'true', column, persons, persons) }})
    {%- endfor %}
),

-- A package covers the years with a population on 1 January.
periods as (
    select distinct
        period,
        activity_date as period_start
    from population
),

package_tables as (
    select
        package_tables.*,
        periods.period,
        periods.period_start
    from {{ ref('data_package_tables') }} as package_tables
    inner join periods
        on {{ valid_on('package_tables', 'periods.period_start') }}
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
    from counted
    where geo_level = 'country'
),

grid as (
    select
        package_tables.table_id,
        package_tables.table_no,
        package_tables.sort_order as table_sort,
        package_tables.title_da,
        package_tables.unit,
        package_tables.breakdown,
        package_tables.denominator,
        package_tables.source_note_da,
        package_tables.period,
        package_tables.period_start,
        areas.geo_level,
        areas.geo_code,
        areas.geo_name,
        areas.parent_geo_code,
        areas.geo_sort,
        table_columns.breakdown_value
    from package_tables
    inner join table_columns
        on
            package_tables.table_id = table_columns.table_id
            and package_tables.period = table_columns.period
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
    cast(coalesce(denominators.citizens, 0) as bigint) as citizens
from grid
left join counted
    on
        grid.table_id = counted.table_id
        and grid.period = counted.period
        and grid.geo_code = counted.geo_code
        and grid.geo_level = counted.geo_level
        and grid.breakdown_value = counted.breakdown_value
left join denominators
    on
        grid.geo_level = denominators.geo_level
        and grid.geo_code = denominators.geo_code
        and grid.period = denominators.period
        and denominators.breakdown = case
            when grid.denominator = 'row_population' then 'all' else grid.breakdown
        end
        and denominators.breakdown_value = case
            when grid.denominator = 'row_population' then 'all' else grid.breakdown_value
        end
left join {{ ref('dim_label') }} as labels
    on
        labels.domain = case grid.breakdown
            when 'age_band' then 'report_age_band'
            else grid.breakdown
        end
        and grid.breakdown_value = labels.code
