{#-
    A text that sorts Danish names in Danish alphabetical order with a plain byte sort: lower case,
    `aa` read as å, and æ, ø, å moved after z in that order (`{`, `|`, `}` follow `z` in ASCII).
    translate() and replace() exist on DuckDB and Spark alike.
-#}
{% macro danish_sort_key(column) -%}
    translate(replace(lower({{ column }}), 'aa', 'å'), 'æøå', '{|}')
{%- endmacro %}
