{#
    The check catalogue (seeds/check_catalogue.csv) and one SQL template per check kind.

    check_catalogue_rows(checked_by, check_name) reads the catalogue rows valid today at execute
    time (empty at parse time, and when the seed is not built yet, e.g. `dbt compile` on an empty
    database). check_measure(check, relation) returns a query of one row, (violating_rows,
    denominator_rows), for one catalogue row; quality.mart_check_results and the generic test
    medfin_catalogue_check both measure with it, so a check's SQL exists once.
#}

{% macro check_catalogue_rows(checked_by=none, check_name=none) %}
    {%- if not execute %}
        {{- return([]) }}
    {%- endif %}
    {%- set catalogue = ref('check_catalogue') %}
    {%- set built = adapter.get_relation(
        catalogue.database, catalogue.schema, catalogue.identifier
    ) %}
    {%- if built is none %}
        {{- return([]) }}
    {%- endif %}
    {%- set today = 'cast(' ~ dbt.current_timestamp() ~ ' as date)' %}
    {%- set query %}
        select *
        from {{ catalogue }} as catalogue
        where
            {{ valid_on('catalogue', today) }}
            {%- if checked_by is not none %}
                and checked_by = '{{ checked_by }}'
            {%- endif %}
            {%- if check_name is not none %}
                and check_name = '{{ check_name }}'
            {%- endif %}
        order by check_name
    {%- endset %}
    {%- set rows = [] %}
    {%- for row in run_query(query).rows %}
        {%- do rows.append(row) %}
    {%- endfor %}
    {{- return(rows) }}
{% endmacro %}


{% macro check_measure(check, relation=none) %}
    {#- `relation` defaults to ref() of the catalogue's relation (declared by the caller). -#}
    {%- set kinds = {
        'share_of_sums': check_share_of_sums,
        'rows_not_true': check_rows_not_true,
        'rows_not_accepted': check_rows_not_accepted,
        'values_outside_bounds': check_values_outside_bounds,
        'rows_listed': check_rows_listed,
    } %}
    {%- if check['check_kind'] not in kinds %}
        {{- exceptions.raise_compiler_error(
            'check ' ~ check['check_name'] ~ ': unknown check_kind ' ~ check['check_kind']
            ~ ' in seeds/check_catalogue.csv (known: ' ~ kinds.keys() | join(', ') ~ ')'
        ) }}
    {%- endif %}
    {{- kinds[check['check_kind']](check, relation or ref(check['relation'])) }}
{% endmacro %}


{% macro _check_values(text) %}
    {#- `a|b` -> ['a', 'b'] (catalogue lists). -#}
    {{- return((text or '').split('|') | map('trim') | reject('equalto', '') | list) }}
{% endmacro %}


{# Share of a total: sum(column_name) of sum(denominator), over rows whose denominator is positive
   (a row with nothing to examine, e.g. a region-year without reports, is left out). #}
{% macro check_share_of_sums(check, relation) %}
    select
        sum({{ check['column_name'] }}) as violating_rows,
        sum({{ check['denominator'] }}) as denominator_rows
    from {{ relation }}
    where {{ check['denominator'] }} > 0
{% endmacro %}


{# Rows whose boolean column_name is false, of the rows where it is known: null means the row
   could not be examined (a reconciliation of a year the delivery covers only in part), as the
   Great Expectations suites of the same checks read it. #}
{% macro check_rows_not_true(check, relation) %}
    select
        sum(case when not {{ check['column_name'] }} then 1 else 0 end) as violating_rows,
        count({{ check['column_name'] }}) as denominator_rows
    from {{ relation }}
{% endmacro %}


{# Rows whose column_name is not one of accepted_values, of all rows or, with a denominator
   column, of the rows where that column is known. #}
{% macro check_rows_not_accepted(check, relation) %}
    {%- set accepted = [] %}
    {%- for value in _check_values(check['accepted_values']) %}
        {%- do accepted.append("'" ~ value | replace("'", "''") ~ "'") %}
    {%- endfor %}
    select
        sum(
            case when {{ check['column_name'] }} in ({{ accepted | join(', ') }}) then 0 else 1 end
        ) as violating_rows,
        count(*) as denominator_rows
    from {{ relation }}
    {%- if check['denominator'] %}
        where {{ check['denominator'] }} is not null
    {%- endif %}
{% endmacro %}


{# Rows whose column_name lies below lower_bound or above upper_bound (an empty bound is open), of
   the rows where column_name is known. #}
{% macro check_values_outside_bounds(check, relation) %}
    {%- set outside = [] %}
    {%- if check['lower_bound'] is not none %}
        {%- do outside.append(check['column_name'] ~ ' < ' ~ check['lower_bound']) %}
    {%- endif %}
    {%- if check['upper_bound'] is not none %}
        {%- do outside.append(check['column_name'] ~ ' > ' ~ check['upper_bound']) %}
    {%- endif %}
    select
        sum(case when {{ outside | join(' or ') or 'false' }} then 1 else 0 end) as violating_rows,
        count({{ check['column_name'] }}) as denominator_rows
    from {{ relation }}
{% endmacro %}


{# The rows of relation, a listing of the violations, of the rows of the denominator relations. #}
{% macro check_rows_listed(check, relation) %}
    select
        (select count(*) from {{ relation }}) as violating_rows,
        {%- for examined in _check_values(check['denominator']) %}
            (select count(*) from {{ ref(examined) }})
            {%- if not loop.last %} + {% endif %}
        {%- endfor %} as denominator_rows
{% endmacro %}
