{#-
    medfin_not_null_columns: none of `columns` is null in `model`. One test for a table's
    required columns instead of one `not_null` test per column: every test is a dbt node, and a
    node costs about as much as the scan of a small table (seeds). Fails with one row per column
    that has nulls: the column's name and how many rows.
-#}
{% test medfin_not_null_columns(model, columns) %}

{%- for column in columns %}
select
    '{{ column }}' as column_name,
    count(*) as null_rows
from {{ model }}
where {{ adapter.quote(column) }} is null
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}

{% endtest %}
