{#-
    ISO 8601 day of the week of a date: 1 = Monday .. 7 = Sunday. Engines disagree on the name of
    the field (DuckDB/Postgres `isodow`, Spark `dayofweek_iso`), and plain `dayofweek` is 1 = Sunday
    on Spark but 0 = Sunday on DuckDB, so never use that.
-#}
{% macro medfin_iso_weekday(date_expression) -%}
    {{ return(adapter.dispatch('medfin_iso_weekday')(date_expression)) }}
{%- endmacro %}

{% macro default__medfin_iso_weekday(date_expression) -%}
    cast(extract(isodow from {{ date_expression }}) as integer)
{%- endmacro %}

{% macro spark__medfin_iso_weekday(date_expression) -%}
    cast(extract(dayofweek_iso from {{ date_expression }}) as integer)
{%- endmacro %}

{#-
    ISO 8601 week number (1-53; the week with the year's first Thursday is week 1). `extract(week
    ...)` is the ISO week on DuckDB, Postgres and Spark alike; the macro keeps that fact in one
    place.
-#}
{% macro medfin_iso_week(date_expression) -%}
    {{ return(adapter.dispatch('medfin_iso_week')(date_expression)) }}
{%- endmacro %}

{% macro default__medfin_iso_week(date_expression) -%}
    cast(extract(week from {{ date_expression }}) as integer)
{%- endmacro %}
