-- Grain: area (each municipality of the projection, and its health council) x projection year x
-- report area x measure (contacts, admissions, co_financing): int_projection_activity summed, the
-- base year's figure and the projected one, with the citizens behind the base year's figure
-- (observations, which discretion judges: the projected figure rests on them too). A measure has
-- rows in the report areas where it occurs anywhere in the base year (no admissions in
-- practice). A council sums the municipalities of the projection (`municipalities` of the
-- `municipalities_in_area` it has). Unsuppressed: never published
-- (projection.activity_projection is).
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
        cells.measure,
        count(distinct cells.municipality_code) as municipalities,
        sum(cells.base_value) as base_value,
        sum(cells.projected_value) as projected_value,
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
        cells.report_area,
        cells.measure
),

citizens as (
    {%- for measure, column in projection_measures().items() %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            areas.geo_level,
            areas.geo_code,
            units.report_area,
            '{{ measure }}' as measure,
            count(distinct units.person_id) as citizens
        from {{ ref('int_projection_base_activity') }} as units
        inner join areas
            on units.municipality_code = areas.municipality_code
        where units.{{ column }} != 0
        group by
            areas.geo_level,
            areas.geo_code,
            units.report_area
    {%- endfor %}
),

-- A measure's rows in the report areas where it occurs at all.
occurring as (
    select
        summed.*,
        max(summed.base_value) over (
            partition by summed.measure, summed.report_area
        ) as largest_base_value
    from summed
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
    coalesce(citizens.citizens, 0) as observations,
    cast(occurring.base_value as {{ money_type() }}) as base_value,
    occurring.projected_value,
    occurring.uses_illustrative_rules
from occurring
cross join {{ ref('int_projection_base_year') }} as base_year
left join citizens
    on
        occurring.geo_level = citizens.geo_level
        and occurring.geo_code = citizens.geo_code
        and occurring.report_area = citizens.report_area
        and occurring.measure = citizens.measure
where occurring.largest_base_value > 0
