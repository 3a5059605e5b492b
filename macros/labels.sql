{#-
    Join the Danish and English names of a code (seed labels, core.dim_label) as `alias`:
        {{ join_label('area', 'co_financing.area', 'area_names') }}
    then select area_names.label_da, area_names.label_en. A left join: an unnamed code keeps its
    row with null names, and the marts' not_null tests on the name columns catch it.
-#}
{% macro join_label(domain, code, alias) -%}
    left join {{ ref('dim_label') }} as {{ alias }}
        on
            {{ alias }}.domain = '{{ domain }}'
            and {{ code }} = {{ alias }}.code
{%- endmacro %}
