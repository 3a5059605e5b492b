{#-
    A half-open validity period [valid_from, valid_to) contains a date; an empty valid_to is open.
    Used for residence periods, rules and age groups alike.
-#}
{% macro valid_on(alias, on_date, from_column='valid_from', to_column='valid_to') -%}
    ({{ alias }}.{{ from_column }} <= {{ on_date }}
        and ({{ alias }}.{{ to_column }} is null or {{ alias }}.{{ to_column }} > {{ on_date }}))
{%- endmacro %}
