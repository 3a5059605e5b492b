{#-
    The per-area columns of a contracted mart, read from the mart's own YAML (`node` is `model` in
    the mart, or its entry of `graph.nodes` in a test): every column whose meta names a
    `co_financing_area`, in YAML order, as {'name': column, 'area': code}. `per_citizen: true` in
    the meta marks the per-citizen figure of that area; per_citizen chooses which kind is returned.
    A mart with one column per area is built from this list, so its contract is the one place
    where such a column is declared (docs/financing-areas.md).
-#}
{% macro co_financing_area_columns(node, per_citizen=false) -%}
    {%- set found = [] -%}
    {%- for name, column in node['columns'].items() -%}
        {%- set meta = {} -%}
        {%- do meta.update(column.get('meta') or {}) -%}
        {%- do meta.update((column.get('config') or {}).get('meta') or {}) -%}
        {%- if meta.get('co_financing_area') and (meta.get('per_citizen', false) == per_citizen) -%}
            {%- do found.append({'name': name, 'area': meta['co_financing_area']}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}
