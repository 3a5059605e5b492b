{#-
    medfin_equal_row_count: `model` and `compare_model` have the same number of rows.
    Fails with one row (both counts) when they differ. Filter the model side with the test's
    `config: where`, the compare side with `compare_where`.
-#}
{% test medfin_equal_row_count(model, compare_model, compare_where=none) %}

with model_rows as (
    select count(*) as row_count from {{ model }}
),

compare_rows as (
    select count(*) as row_count
    from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
)

select
    model_rows.row_count as model_row_count,
    compare_rows.row_count as compare_row_count
from model_rows
cross join compare_rows
where model_rows.row_count <> compare_rows.row_count

{% endtest %}
