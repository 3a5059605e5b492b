{#-
    medfin_equal_aggregate: an aggregate of `model` equals an aggregate of `compare_model`, per
    group.

    expression / compare_expression: aggregate SQL, e.g. `sum(co_financing_dkk)` (compare_expression
    defaults to expression). group_by / compare_group_by: lists of column names or expressions,
    paired by position (compare_group_by defaults to group_by); empty = one total. tolerance:
    largest absolute difference still accepted (default 0 = exact). Filter the model side with the
    test's `config: where`, the compare side with `compare_where`.

    Fails with one row per group that is missing on either side, has a null aggregate on one side
    only, or differs by more than the tolerance. Group keys match null-safely (null = null).
-#}
{% test medfin_equal_aggregate(model, expression, compare_model, compare_expression=none,
    group_by=[], compare_group_by=none, tolerance=0, compare_where=none) %}

{%- set compare_expression = compare_expression or expression -%}
{%- set compare_group_by = group_by if compare_group_by is none else compare_group_by -%}
{%- if group_by is string or compare_group_by is string -%}
    {{ exceptions.raise_compiler_error(
        "medfin_equal_aggregate: group_by and compare_group_by are lists"
    ) }}
{%- endif -%}
{%- if group_by | length != compare_group_by | length -%}
    {{ exceptions.raise_compiler_error(
        "medfin_equal_aggregate: group_by and compare_group_by differ in length"
    ) }}
{%- endif -%}
{%- set keys = [] -%}
{%- for key in group_by -%}
    {%- do keys.append(key if key.isidentifier() else 'group_key_' ~ loop.index) -%}
{%- endfor %}

with model_side as (
    select
        {% for key in group_by -%}
        {{ key }} as {{ keys[loop.index0] }},
        {% endfor -%}
        1 as is_present,
        {{ expression }} as aggregate_value
    from {{ model }}
    {% if group_by -%}
    group by {% for key in group_by %}{{ key }}{{ ", " if not loop.last }}{% endfor %}
    {%- endif %}
),

compare_side as (
    select
        {% for key in compare_group_by -%}
        {{ key }} as {{ keys[loop.index0] }},
        {% endfor -%}
        1 as is_present,
        {{ compare_expression }} as aggregate_value
    from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
    {% if compare_group_by -%}
    group by {% for key in compare_group_by %}{{ key }}{{ ", " if not loop.last }}{% endfor %}
    {%- endif %}
),

joined as (
    select
        {% for key in keys -%}
        coalesce(model_side.{{ key }}, compare_side.{{ key }}) as {{ key }},
        {% endfor -%}
        model_side.is_present as in_model,
        compare_side.is_present as in_compare_model,
        model_side.aggregate_value as model_value,
        compare_side.aggregate_value as compare_value,
        model_side.aggregate_value - compare_side.aggregate_value as difference
    from model_side
    full outer join compare_side
        on
        {% for key in keys -%}
            (model_side.{{ key }} = compare_side.{{ key }}
                or (model_side.{{ key }} is null and compare_side.{{ key }} is null))
            {{ "and" if not loop.last }}
        {% else -%}
            1 = 1
        {% endfor %}
)

select *
from joined
where
    in_model is null
    or in_compare_model is null
    or (model_value is null and compare_value is not null)
    or (model_value is not null and compare_value is null)
    or abs(difference) > {{ tolerance }}

{% endtest %}
