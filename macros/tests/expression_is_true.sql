{#-
    medfin_expression_is_true: a boolean SQL expression holds on every row of `model` (optionally
    only on the rows matching `where`, an SQL condition). Fails with every row where the expression
    is false. As with SQL CHECK constraints, a row where it is null (unknown) passes: write
    `coalesce(...)` or `... is not null and ...` when null must fail.
-#}
{% test medfin_expression_is_true(model, expression, where=none) %}

select *
from {{ model }}
where
    {% if where %}({{ where }}) and {% endif %}not ({{ expression }})

{% endtest %}
