{#-
    ref() as dbt's, except in analyses: an analysis is compiled once and run by hand against a
    published file, whose database name is the file's name (medfin, medfin-marts, a copy's name),
    never the build's candidate. So an analysis names its tables `schema.table`, without the
    database, and runs unchanged against either published file. Models keep dbt's own ref().
-#}
{% macro ref() %}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- if model is defined and model.resource_type == 'analysis' and relation is not none -%}
        {%- do return(relation.include(database=false)) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{% endmacro %}
