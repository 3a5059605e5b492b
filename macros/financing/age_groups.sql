{#-
    The age-differentiated co-financing group (not `all`) of `age` completed years, valid on
    `on_date`: the join condition against seed age_groups (or dim_age_group) as `groups`.
-#}
{% macro in_age_group(groups, age, on_date) -%}
    {{ groups }}.age_group != 'all'
    and {{ age }} >= {{ groups }}.age_from
    and ({{ groups }}.age_to is null or {{ age }} <= {{ groups }}.age_to)
    and {{ valid_on(groups, on_date) }}
{%- endmacro %}
