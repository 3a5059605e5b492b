{#-
    Use a model's custom schema name as is (`staging`, `core`, `finance`, ...) instead of dbt's
    default `<target_schema>_<custom>` (`main_finance`): the warehouse is one DuckDB file per
    environment, so there is nothing to disambiguate, and analysts and BI tools query stable,
    readable schema names. Nodes without a custom schema go to the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
