{#-
    medfin_every_month_present: `model` has at least one row in every calendar month from
    from_month to to_month (both inclusive; 'YYYY-MM-DD' strings, any day of the month) by
    `date_column` (a date or timestamp column or expression). With partition_by (a column, a
    comma-separated string or a list) every partition found in the model must cover every month;
    a partition with no rows at all cannot be seen. Fails with one row per missing month (and
    partition), `missing_month` being its first day.
-#}
{% test medfin_every_month_present(model, date_column, from_month, to_month, partition_by=none) %}

{%- if partition_by is none -%}
    {%- set partition_columns = [] -%}
{%- elif partition_by is string -%}
    {%- set partition_columns = partition_by.split(',') | map('trim') | list -%}
{%- else -%}
    {%- set partition_columns = partition_by -%}
{%- endif -%}
{%- set first_month = dbt.date_trunc('month', "cast('" ~ from_month ~ "' as date)") -%}
{%- set last_month = dbt.date_trunc('month', "cast('" ~ to_month ~ "' as date)") %}
{%- set after_last_month = dbt.dateadd('month', 1, last_month) %}

with months as (
    {{ medfin_date_spine('month', first_month, after_last_month) }}
),

present as (
    select distinct
        {% for column in partition_columns %}{{ column }},
        {% endfor -%}
        cast({{ dbt.date_trunc('month', date_column) }} as date) as present_month
    from {{ model }}
    where {{ date_column }} is not null
),

partitions as (
    {% if partition_columns -%}
    select distinct {{ partition_columns | join(', ') }} from present
    {%- else -%}
    select 1 as whole_model
    {%- endif %}
),

expected as (
    select
        partitions.*,
        months.date_month as missing_month
    from partitions
    cross join months
)

select expected.*
from expected
where not exists (
    select 1
    from present
    where
        present.present_month = expected.missing_month
        {% for column in partition_columns -%}
        and (present.{{ column }} = expected.{{ column }}
            or (present.{{ column }} is null and expected.{{ column }} is null))
        {% endfor %}
)

{% endtest %}
