-- Grain: area (each municipality of the projection, and its health council) x projection year x
-- report area x measure (contacts, admissions, co_financing): int_projection_activity summed, the
-- base year's figure and the projected one, with the citizens behind the base year's figure
-- (observations, which discretion judges: the projected figure rests on them too). A measure has
-- rows in the report areas where it occurs anywhere in the base year (no admissions in
-- practice). A council sums the municipalities of the projection (`municipalities` of the
-- `municipalities_in_area` it has). Unsuppressed: never published
-- (projection.activity_projection is).
{#- measure: its column in int_projection_activity and int_projection_base_activity -#}
{%- set measures = {
    'contacts': 'contacts',
    'admissions': 'admissions',
    'co_financing': 'co_financing_dkk',
} %}
{%- set area = projection_area_columns() %}
with areas as (
    select * from {{ ref('int_projection_areas') }}
),

summed as (
    select
        {%- for column in area %}
            areas.{{ column }},
        {%- endfor %}
        cells.projection_year,
        cells.report_area,
        count(distinct cells.municipality_code) as municipalities,
        {%- for column in measures.values() %}
            sum(cells.base_{{ column }}) as base_{{ column }},
            sum(cells.{{ column }}) as {{ column }},
        {%- endfor %}
        max(case when cells.uses_illustrative_rules then 1 else 0 end) = 1
            as uses_illustrative_rules
    from {{ ref('int_projection_activity') }} as cells
    inner join areas
        on cells.municipality_code = areas.municipality_code
    group by
        {%- for column in area %}
            areas.{{ column }},
        {%- endfor %}
        cells.projection_year,
        cells.report_area
),

citizens as (
    select
        areas.geo_level,
        areas.geo_code,
        units.report_area,
        {%- for column in measures.values() %}
            count(distinct case when units.{{ column }} != 0 then units.person_id end)
                as {{ column }}_citizens{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_projection_base_activity') }} as units
    inner join areas
        on units.municipality_code = areas.municipality_code
    group by
        areas.geo_level,
        areas.geo_code,
        units.report_area
),

measured as (
    {%- for measure, column in measures.items() %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            summed.*,
            '{{ measure }}' as measure,
            coalesce(citizens.{{ column }}_citizens, 0) as observations,
            cast(summed.base_{{ column }} as {{ money_type() }}) as base_value,
            summed.{{ column }} as projected_value,
            {#- activity is counted without rules; co-financing rests on the rule seeds #}
            {{ 'summed.uses_illustrative_rules' if column == 'co_financing_dkk' else 'false' }}
                as uses_illustrative_figure
        from summed
        left join citizens
            on
                summed.geo_level = citizens.geo_level
                and summed.geo_code = citizens.geo_code
                and summed.report_area = citizens.report_area
    {%- endfor %}
),

-- A measure's rows in the report areas where it occurs at all.
occurring as (
    select
        measured.*,
        max(measured.base_value) over (
            partition by measured.measure, measured.report_area
        ) as largest_base_value
    from measured
)

select
    {%- for column in area %}
        occurring.{{ column }},
    {%- endfor %}
    cast(occurring.municipalities as integer) as municipalities,
    base_year.base_year,
    base_year.base_date as period_start,
    occurring.projection_year,
    occurring.report_area,
    occurring.measure,
    occurring.observations,
    occurring.base_value,
    occurring.projected_value,
    occurring.uses_illustrative_figure as uses_illustrative_rules
from occurring
cross join {{ ref('int_projection_base_year') }} as base_year
where occurring.largest_base_value > 0
