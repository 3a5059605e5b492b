{#-
    medfin_mutually_exclusive_ranges: within each partition, half-open ranges [lower, upper) do not
    overlap. A null upper bound is open-ended (valid until further notice), so it may only be the
    last range of its partition. lower_bound_column / upper_bound_column are columns or expressions
    (an inclusive bound x becomes the exclusive `x + 1`); partition_by is a column, a
    comma-separated string or a list (none = the whole model).

    gaps: `allowed` (default), `not_allowed` (each range ends where the next starts) or `required`.
    zero_length_range_allowed: accept lower = upper (default false).

    Fails with one row per offending range and `failure_reason`: null_lower_bound,
    upper_not_after_lower, overlaps_next, gap_before_next, no_gap_before_next.
-#}
{% test medfin_mutually_exclusive_ranges(model, lower_bound_column, upper_bound_column,
    partition_by=none, gaps='allowed', zero_length_range_allowed=false) %}

{%- if gaps not in ['allowed', 'not_allowed', 'required'] -%}
    {{ exceptions.raise_compiler_error(
        "medfin_mutually_exclusive_ranges: gaps is allowed, not_allowed or required"
    ) }}
{%- endif -%}
{%- if partition_by is none -%}
    {%- set partition_columns = '' -%}
{%- elif partition_by is string -%}
    {%- set partition_columns = partition_by -%}
{%- else -%}
    {%- set partition_columns = partition_by | join(', ') -%}
{%- endif -%}
{%- set window -%}
    over ({% if partition_columns %}partition by {{ partition_columns }} {% endif -%}
    order by {{ lower_bound_column }}, {{ upper_bound_column }})
{%- endset %}

with ranges as (
    select
        {% if partition_columns %}{{ partition_columns }},{% endif %}
        {{ lower_bound_column }} as range_lower,
        {{ upper_bound_column }} as range_upper,
        lead({{ lower_bound_column }}) {{ window }} as next_range_lower,
        row_number() {{ window }} as range_number
    from {{ model }}
),

checked as (
    select
        ranges.*,
        case
            when range_lower is null then 'null_lower_bound'
            when
                range_upper is not null
                and range_upper {{ '<' if zero_length_range_allowed else '<=' }} range_lower
                then 'upper_not_after_lower'
            when
                next_range_lower is not null
                and (range_upper is null or next_range_lower < range_upper)
                then 'overlaps_next'
            {% if gaps == 'not_allowed' -%}
            when next_range_lower is not null and next_range_lower > range_upper
                then 'gap_before_next'
            {% elif gaps == 'required' -%}
            when next_range_lower is not null and next_range_lower = range_upper
                then 'no_gap_before_next'
            {% endif -%}
        end as failure_reason
    from ranges
)

select *
from checked
where failure_reason is not null

{% endtest %}
