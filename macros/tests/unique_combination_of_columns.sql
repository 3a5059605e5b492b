{#-
    medfin_unique_combination_of_columns: no two rows of `model` share the same values in all of
    `combination_of_columns` (a list of column names: the model's key). Fails with one row per
    repeated combination and its number of rows. Nulls count as equal (two rows with the same
    null key are duplicates); test key columns for not_null separately.
-#}
{% test medfin_unique_combination_of_columns(model, combination_of_columns) %}

{%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "medfin_unique_combination_of_columns: give a non-empty list of columns"
    ) }}
{%- endif -%}
{%- set columns = combination_of_columns | join(", ") %}

select
    {{ columns }},
    count(*) as row_count
from {{ model }}
group by {{ columns }}
having count(*) > 1

{% endtest %}
