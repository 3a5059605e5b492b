{#-
    Monthly increments (docs/incremental.md): how the base model of a raw table that month
    deliveries cut by month (contract_by_month_tables()) loads one month into the published
    warehouse instead of judging every row again. staging_checked calls these.

    `medfin build --incremental` reads every loaded month delivery (MEDFIN_DELIVERY_LAYOUT=months:
    the sources carry the hive column delivery_month) and, when the candidate is a copy of the
    published warehouse built by the same project, names the month it loads in
    MEDFIN_INCREMENTAL_MONTH (YYYY-MM-01). Then the base model is incremental: it judges again only
    the affected months, deletes their rows and inserts them judged.

    Why that equals judging every row: a row's verdict depends on the row, the seeds and the
    multiset of keys of its table (duplicate_key), nothing else (macros/staging/staging_rules.sql;
    the one rule that reads the delivery audit, a birth date against the extract, is on persons,
    which every load judges whole). Replacing month M changes the multiset only at the keys of
    M's old rows (in the base table) and of its new rows (in the source). So the affected months
    are M and every month holding a row with such a key; the duplicate keys are counted over the
    whole table after the replacement (every loaded month, as a full build counts them), and the
    rows of any other month keep their verdict. A changed project (seeds, rules) changes every
    verdict: medfin build then leaves MEDFIN_INCREMENTAL_MONTH unset and every row is judged.
-#}

{#- The month being loaded (YYYY-MM-01), or '' when every row is judged. -#}
{% macro staging_load_month() -%}
    {{- return(env_var('MEDFIN_INCREMENTAL_MONTH', '')) -}}
{%- endmacro %}


{#- Whether `table`'s base model loads one month (parse time: its materialisation). -#}
{% macro staging_loads_month(table) -%}
    {{- return(staging_load_month() != '' and table in contract_by_month_tables()) -}}
{%- endmacro %}


{#-
    The base model's materialisation: a table, rebuilt whole (a full build, or a table every month
    delivery carries whole); incremental when a month is loaded into a table cut by month.
-#}
{% macro staging_by_month_config(table) -%}
    {%- if staging_loads_month(table) -%}
        {{- config(
            materialized='incremental',
            incremental_strategy='medfin_delivery_months',
            on_schema_change='fail',
        ) -}}
    {%- endif -%}
{%- endmacro %}


{#- The month delivery a raw row came in: the source's hive column, or null (a full delivery). -#}
{% macro staging_delivery_month(relation) -%}
    {%- if env_var('MEDFIN_DELIVERY_LAYOUT', '') == 'months' -%}
        {{ relation }}.delivery_month
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}


{#-
    The condition on the raw rows (alias `relation`) that staging_checked judges: none (every
    row), or when a month is loaded into an existing base table the affected months.
-#}
{% macro staging_rows_to_judge(table, relation) -%}
    {%- if not (staging_loads_month(table) and is_incremental()) -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set months = [] -%}
    {%- for month in _staging_affected_months(table) -%}
        {%- do months.append("cast('" ~ month ~ "' as date)") -%}
    {%- endfor -%}
    {{- return(relation ~ '.delivery_month in (' ~ months | join(', ') ~ ')') -}}
{%- endmacro %}


{#-
    The loaded month and every other month holding a row whose key is a key of the loaded month's
    old rows (the base table before this load) or of its new rows (the source). Queried while the
    model compiles, before anything is deleted.
-#}
{% macro _staging_affected_months(table) -%}
    {%- set month = staging_load_month() -%}
    {%- set key = contract_staging_spec(table)['key'] -%}
    {%- set columns = dict(contract_staging_spec(table)['columns']) -%}
    {%- if not key or not execute -%}
        {{- return([month]) -}}
    {%- endif -%}
    {%- set normalised = [] -%}
    {%- for column in key -%}
        {%- set value = _stg_normalise('raw.' ~ column, columns[column]) -%}
        {%- do normalised.append(value ~ ' as ' ~ column) -%}
    {%- endfor -%}
    {%- set not_null = key | join(' is not null and ') ~ ' is not null' -%}
    {%- set query -%}
        with raw_keys as (
            select raw.delivery_month, {{ normalised | join(', ') }}
            from {{ source('medfin_raw', table) }} as raw
        ),

        changed_keys as (
            select {{ key | join(', ') }} from raw_keys
            where delivery_month = cast('{{ month }}' as date) and {{ not_null }}
            union
            select {{ key | join(', ') }} from {{ this }}
            where delivery_month = cast('{{ month }}' as date) and {{ not_null }}
        )

        select distinct cast(raw_keys.delivery_month as {{ dbt.type_string() }}) as month
        from raw_keys
        inner join changed_keys
            on
            {%- for column in key %}
                {{ 'and ' if not loop.first }}raw_keys.{{ column }} = changed_keys.{{ column }}
            {%- endfor %}
        where raw_keys.delivery_month != cast('{{ month }}' as date)
        order by 1
    {%- endset -%}
    {%- set others = run_query(query).columns[0].values() -%}
    {{- return([month] + (others | list)) -}}
{%- endmacro %}


{#-
    dbt incremental strategy `medfin_delivery_months`: the judged rows of the affected months
    (the temporary relation) replace every row of those months and of the loaded month (which
    may now have no rows of the table at all).
-#}
{% macro get_incremental_medfin_delivery_months_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set temp = arg_dict['temp_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ target }}
    where
        delivery_month in (select distinct delivery_month from {{ temp }})
        or delivery_month = cast('{{ staging_load_month() }}' as date);
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ temp }}
{%- endmacro %}
