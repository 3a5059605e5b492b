-- co_financing_per_citizen has an amount and a per-citizen column for every co-financing area:
-- every code of labels domain area and every area of core.fct_co_financing has both columns in
-- the mart's contract (meta co_financing_area, macros/financing/areas.sql), no column names an
-- area that is not a label, and the area columns add up to total_dkk on every row. Fails with
-- one row per problem; the step forgotten when an area was added (docs/financing-areas.md).
{%- set node = graph.nodes.get('model.medfin.co_financing_per_citizen') if execute else none %}
{%- set amount_columns = co_financing_area_columns(node) if node else [] %}
{%- set per_citizen_columns = co_financing_area_columns(node, per_citizen=true) if node else [] %}

with declared as (
    select
        cast(null as {{ dbt.type_string() }}) as area,
        cast(null as {{ dbt.type_string() }}) as column_kind
    where 1 = 0
    {%- for column in amount_columns %}
        union all
        select
            '{{ column.area }}' as area,
            'amount' as column_kind
    {%- endfor %}
    {%- for column in per_citizen_columns %}
        union all
        select
            '{{ column.area }}' as area,
            'per_citizen' as column_kind
    {%- endfor %}
),

labelled_areas as (
    select labels.code as area
    from {{ ref('labels') }} as labels
    where labels.domain = 'area'
),

areas as (
    select area from labelled_areas
    union
    select distinct area from {{ ref('fct_co_financing') }}
),

column_kinds as (
    select 'amount' as column_kind
    union all
    select 'per_citizen' as column_kind
),

problems as (
    select
        areas.area,
        {{ dbt.concat(["'no '", 'column_kinds.column_kind', "' column in the contract'"]) }}
            as problem,
        cast(null as integer) as municipality_code,
        cast(null as integer) as activity_year
    from areas
    cross join column_kinds
    where
        not exists (
            select 1 from declared
            where declared.area = areas.area and declared.column_kind = column_kinds.column_kind
        )

    union all

    select
        declared.area,
        {{ dbt.concat(["'a '", 'declared.column_kind', "' column of an unlabelled area'"]) }}
            as problem,
        cast(null as integer) as municipality_code,
        cast(null as integer) as activity_year
    from declared
    where declared.area not in (select labelled_areas.area from labelled_areas)

    union all

    select
        cast(null as {{ dbt.type_string() }}) as area,
        'area columns do not add up to total_dkk' as problem,
        mart.municipality_code,
        mart.activity_year
    from {{ ref('co_financing_per_citizen') }} as mart
    where
        mart.total_dkk <> (
            0
            {%- for column in amount_columns %}
                + mart.{{ column.name }}
            {%- endfor %}
        )
)

select * from problems
