{#-
    One row per `datepart` (day, week, month, quarter, year) from start_date (inclusive) to
    end_date (exclusive), in one date column `date_<datepart>`. start_date and end_date are SQL
    expressions, e.g. "cast('2015-01-01' as date)".

    dbt-core 1.11 ships `dbt.date_spine` (global project, same end-exclusive semantics): it is the
    default implementation here. It asks the database for the number of intervals at compile time
    (`dbt.get_intervals_between`, one query per compile, also under sqlfluff) and builds the series
    from a power-of-two cross join. DuckDB has a native `range()` table function, so its
    implementation needs neither.
-#}
{% macro medfin_date_spine(datepart, start_date, end_date) -%}
    {{ return(adapter.dispatch('medfin_date_spine')(datepart, start_date, end_date)) }}
{%- endmacro %}

{% macro default__medfin_date_spine(datepart, start_date, end_date) -%}
    select cast(spine.date_{{ datepart }} as date) as date_{{ datepart }}
    from ({{ dbt.date_spine(datepart, start_date, end_date) }}) as spine
{%- endmacro %}

{% macro duckdb__medfin_date_spine(datepart, start_date, end_date) -%}
    select cast(spine.range as date) as date_{{ datepart }}
    from range(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval 1 {{ datepart }}
    ) as spine
{%- endmacro %}
