{#-
    A row `bands` of an age list (columns age_from, age_to, valid_from, valid_to: seeds age_groups,
    report_age_bands) that holds `age` completed years on `on_date`: the join condition. An empty
    age_to is no upper limit.
-#}
{% macro in_age_band(bands, age, on_date) -%}
    {{ age }} >= {{ bands }}.age_from
    and ({{ bands }}.age_to is null or {{ age }} <= {{ bands }}.age_to)
    and {{ valid_on(bands, on_date) }}
{%- endmacro %}

{#-
    The age-differentiated co-financing group (not `all`) of `age` completed years, valid on
    `on_date`: the join condition against seed age_groups (or dim_age_group) as `groups`.
-#}
{% macro in_age_group(groups, age, on_date) -%}
    {{ groups }}.age_group != 'all'
    and {{ in_age_band(groups, age, on_date) }}
{%- endmacro %}

{#-
    The co-financing age group of `age` completed years on `on_date` as a value: the
    age-differentiated group valid that day, or `all` where none holds it (before 2018), as
    core.fct_population assigns it to the population.
-#}
{% macro co_financing_age_group(age, on_date) -%}
    coalesce(
        (
            select min(age_groups.age_group)
            from {{ ref('dim_age_group') }} as age_groups
            where {{ in_age_group('age_groups', age, on_date) }}
        ),
        'all'
    )
{%- endmacro %}
