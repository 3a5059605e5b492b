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
