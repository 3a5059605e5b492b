{#-
    The columns that name an area of the projection marts (intermediate.int_projection_areas):
    the by-area models group by them and carry them to the marts.
-#}
{% macro projection_area_columns() -%}
    {{ return([
        'geo_level', 'geo_code', 'geo_name', 'parent_geo_code', 'geo_sort',
        'municipalities_in_area',
    ]) }}
{%- endmacro %}

{#-
    The measures of the projection (labels domain projection_measure), each with its column in
    intermediate.int_projection_base_activity; co-financing is the one that rests on rule seeds.
-#}
{% macro projection_measures() -%}
    {{ return({
        'contacts': 'contacts',
        'admissions': 'admissions',
        'co_financing': 'co_financing_dkk',
    }) }}
{%- endmacro %}
