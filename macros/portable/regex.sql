{#- True when a string matches a regular expression; engines name the function differently. -#}
{% macro matches_regex(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_regex', 'medfin')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_regex(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__matches_regex(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}
