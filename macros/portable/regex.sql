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

{#-
    A text reduced to its letters and digits (Unicode classes L and N), full-width digits read as
    0-9: every space, tab, no-break or zero-width space, control character, dash and punctuation
    removed. medfin.contract.person_id_letters_and_digits does the same in Python.
-#}
{% macro letters_and_digits(expression) -%}
    {{ return(adapter.dispatch('letters_and_digits', 'medfin')(expression)) }}
{%- endmacro %}

{% macro default__letters_and_digits(expression) -%}
    translate(
        regexp_replace({{ expression }}, '[^\\p{L}\\p{N}]', ''), '０１２３４５６７８９', '0123456789'
    )
{%- endmacro %}

{% macro duckdb__letters_and_digits(expression) -%}
    translate(
        regexp_replace({{ expression }}, '[^\p{L}\p{N}]', '', 'g'), '０１２３４５６７８９', '0123456789'
    )
{%- endmacro %}
