{#-
    on-run-start (dbt_project.yml): let a plain `dbt build` read the delivery as delivered, with
    only MEDFIN_DELIVERY set (the folder with manifest.json and one file per contract table).

    The raw sources (models/staging/_medfin__sources.yml) read `medfin_delivery.<table>` when
    MEDFIN_DELIVERY_FORMAT is unset, and the audit source `medfin_delivery.delivery_audit` when
    MEDFIN_DELIVERY_AUDIT is unset (each source's meta `plain_relation`, generated with the
    sources); this hook makes them, in the warehouse, on every run:

      medfin_delivery.<table>         a view over the file manifest.json lists for the table, read
                                      as its extension says (the source's `readers`: Parquet, or
                                      CSV); CSV gets the Parquet reader's 0-based file_row_number
                                      too (numbered in scan order, as staging numbers CSV rows), so
                                      both formats look the same to staging. An optional table
                                      that was not delivered has no rows (`not_delivered`, typed
                                      as the delivery's reader types); a required one refuses the
                                      run.
      medfin_delivery.delivery_audit  one row per contract table from manifest.json, in the shape
                                      of medfin build's _delivery_audit.csv; sha256_status is
                                      not_checked (nothing hashed the files) and validated_at null.

    `medfin build` sets both variables (its validated, staged copy and the audit it wrote), so
    then nothing is made here. The hook only checks the folder when the run builds a node that
    reads the delivery (a plain `dbt seed` needs none).
-#}
{% macro medfin_delivery() %}
    {%- if not execute or not _medfin_delivery_needed() -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set delivery = env_var('MEDFIN_DELIVERY', '') -%}
    {%- if not delivery -%}
        {{- exceptions.raise_compiler_error(
            "MEDFIN_DELIVERY is not set. Point it at a delivery folder (manifest.json and one"
            ~ " Parquet or CSV file per table), e.g. MEDFIN_DELIVERY=demo/delivery"
            ~ " MEDFIN_WAREHOUSE=/tmp/scratch/medfin.duckdb dbt build"
        ) -}}
    {%- endif -%}
    {%- set manifest = _medfin_read_manifest(delivery) -%}
    {%- set make_views = env_var('MEDFIN_DELIVERY_FORMAT', '') == '' -%}
    {%- set make_audit = env_var('MEDFIN_DELIVERY_AUDIT', '') == ''
        and _medfin_sources('medfin_build') | length > 0 -%}
    {%- if make_views or make_audit -%}
        {%- set delivered = _medfin_delivered_files(delivery, manifest) -%}
        {%- if make_views -%}
            {%- for source in _medfin_sources('medfin_raw') -%}
                {%- do run_query(_medfin_create_schema(source)) -%}
                {%- do run_query(
                    'create or replace view ' ~ _medfin_meta(source)['plain_relation'] ~ ' as '
                    ~ _medfin_delivered_table(
                        source, delivered.get(source.name), _medfin_format(delivered)
                    )
                ) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- if make_audit -%}
            {%- do run_query(_medfin_audit_table(manifest, delivered)) -%}
        {%- endif -%}
    {%- endif -%}
    {{- return('') -}}
{% endmacro %}


{#- Whether this run builds a node that reads a medfin_raw or medfin_build source. -#}
{% macro _medfin_delivery_needed() %}
    {%- for unique_id in selected_resources -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- for dependency in (node.depends_on.nodes if node else []) -%}
            {%- set source = graph.sources.get(dependency) -%}
            {%- if source and source.source_name in ('medfin_raw', 'medfin_build') -%}
                {{- return(true) -}}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{- return(false) -}}
{% endmacro %}


{#- The sources of one source name, as dbt's graph has them (the order of the YAML). -#}
{% macro _medfin_sources(source_name) %}
    {%- set sources = graph.sources.values() | selectattr('source_name', 'equalto', source_name) -%}
    {{- return(sources | list) -}}
{% endmacro %}


{#- `create schema` of the relation that a source reads in a plain run (meta plain_relation). -#}
{% macro _medfin_create_schema(source) %}
    {%- set schema = _medfin_meta(source)['plain_relation'].split('.')[0] -%}
    {{- return('create schema if not exists ' ~ schema) -}}
{% endmacro %}


{#- A source's meta (set under `config:` in the YAML). -#}
{% macro _medfin_meta(source) %}
    {{- return(source.config.meta if source.config and source.config.meta else source.meta) -}}
{% endmacro %}


{% macro _medfin_sql_text(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}


{#- manifest.json of the delivery folder, parsed; one clear error when it is not there. -#}
{% macro _medfin_read_manifest(delivery) %}
    {%- set path = _medfin_sql_text(delivery ~ '/manifest.json') -%}
    {%- set found = run_query('select count(*) from glob(' ~ path ~ ')').columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{- exceptions.raise_compiler_error(
            "MEDFIN_DELIVERY=" ~ delivery ~ " is not a delivery folder: it has no manifest.json."
            ~ " Point MEDFIN_DELIVERY at the folder as delivered (manifest.json and one Parquet or"
            ~ " CSV file per table)."
        ) -}}
    {%- endif -%}
    {%- set query = 'select content from read_text(' ~ path ~ ')' -%}
    {%- set text = run_query(query).columns[0].values()[0] -%}
    {%- set manifest = fromjson(text) -%}
    {%- if manifest is not mapping or manifest.get('tables') is not mapping -%}
        {{- exceptions.raise_compiler_error(
            "MEDFIN_DELIVERY=" ~ delivery ~ ": manifest.json is not a delivery manifest (an object"
            ~ " with 'tables')."
        ) -}}
    {%- endif -%}
    {{- return(manifest) -}}
{% endmacro %}


{#-
    Contract table -> {path, file_name, format, entry} of each delivered table; refuses (one error
    naming them all) a required table the manifest does not list, a file name with a path or a
    glob pattern, a file that is not .parquet or .csv, and a listed file that is not in the folder.
-#}
{% macro _medfin_delivered_files(delivery, manifest) %}
    {%- set delivered = {} -%}
    {%- set problems = [] -%}
    {%- for source in _medfin_sources('medfin_raw') -%}
        {%- set entry = manifest['tables'].get(source.name) -%}
        {%- if entry is mapping and entry.get('file') -%}
            {%- set file = entry['file'] | string -%}
            {%- set extension = file.split('.')[-1] | lower -%}
            {#- A file of the folder itself, by its plain name: no path, no glob pattern. -#}
            {%- set plain_name = file not in ('', '.', '..')
                and not (file | select('in', '/\\*?[]{}') | list) -%}
            {%- if not plain_name -%}
                {%- do problems.append(
                    source.name ~ ': ' ~ file ~ ' is not a plain file name of the folder'
                ) -%}
            {%- elif extension in ('parquet', 'csv') -%}
                {%- do delivered.update({source.name: {
                    'path': delivery ~ '/' ~ file,
                    'file_name': file.split('/')[-1],
                    'format': extension,
                    'entry': entry,
                }}) -%}
            {%- else -%}
                {%- do problems.append(
                    source.name ~ ': ' ~ file ~ ' is neither .parquet nor .csv'
                ) -%}
            {%- endif -%}
        {%- elif _medfin_meta(source).get('contract_required') -%}
            {%- do problems.append(source.name ~ ': required, but not in manifest.json') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if delivered -%}
        {%- set checks = [] -%}
        {%- for name, file in delivered.items() -%}
            {%- do checks.append(
                'select ' ~ _medfin_sql_text(file.path) ~ ' as missing'
                ~ ' where not exists (select 1 from glob(' ~ _medfin_sql_text(file.path) ~ '))'
            ) -%}
        {%- endfor -%}
        {%- for missing in run_query(checks | join(' union all ')).columns[0].values() -%}
            {%- do problems.append(missing ~ ' is listed in manifest.json but is not there') -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if problems -%}
        {{- exceptions.raise_compiler_error(
            "MEDFIN_DELIVERY=" ~ delivery ~ " cannot be read: " ~ problems | join('; ')
        ) -}}
    {%- endif -%}
    {{- return(delivered) -}}
{% endmacro %}


{#-
    The query of one raw table's view: the delivered file, or (an optional table not delivered)
    no rows, typed as the reader of the delivery's format would type them.
-#}
{% macro _medfin_delivered_table(source, file, delivery_format) %}
    {%- set meta = _medfin_meta(source) -%}
    {%- if file is none -%}
        {{- return(meta['not_delivered'][delivery_format]) -}}
    {%- endif -%}
    {%- set reader = meta['readers'][file.format]
        | replace('{path}', file.path | replace("'", "''")) -%}
    {%- if file.format == 'csv' -%}
        {{- return('select *, row_number() over () - 1 as file_row_number from ' ~ reader) -}}
    {%- endif -%}
    {{- return('select * from ' ~ reader) -}}
{% endmacro %}


{#- The delivery's format: that of its files (medfin build refuses mixed formats). -#}
{% macro _medfin_format(delivered) %}
    {{- return((delivered.values() | map(attribute='format') | sort | first) or 'parquet') -}}
{% endmacro %}


{#- `create table medfin_delivery.delivery_audit`: a row per contract table, from manifest.json -#}
{% macro _medfin_audit_table(manifest, delivered) %}
    {%- set audit = _medfin_sources('medfin_build')
        | selectattr('name', 'equalto', 'delivery_audit') | first -%}
    {%- set period = manifest.get('period') if manifest.get('period') is mapping else {} -%}
    {%- set rows = [] -%}
    {%- for source in _medfin_sources('medfin_raw') -%}
        {%- set file = delivered.get(source.name) -%}
        {%- set values = {
            'source_table': source.name,
            'delivered': file is not none,
            'file_name': file.file_name if file else none,
            'file_format': file.format if file else _medfin_format(delivered),
            'manifest_rows': file.entry.get('rows') if file else none,
            'sha256_manifest': (file.entry.get('sha256') | string | lower) if file else none,
            'sha256_status': 'not_checked' if file else 'not_delivered',
            'delivery_id': manifest.get('delivery_id'),
            'extracted_at': manifest.get('extracted_at'),
            'period_from': period.get('from'),
            'period_to': period.get('to'),
            'validated_at': none,
        } -%}
        {%- set cells = [] -%}
        {%- for column in audit.columns.values() -%}
            {%- set value = values[column.name] -%}
            {%- if value is none -%}
                {%- set literal = 'null' -%}
            {%- elif value is sameas true or value is sameas false -%}
                {%- set literal = value | string | lower -%}
            {%- else -%}
                {%- set literal = _medfin_sql_text(value) -%}
            {%- endif -%}
            {%- do cells.append(
                'cast(' ~ literal ~ ' as ' ~ column.data_type ~ ') as ' ~ column.name
            ) -%}
        {%- endfor -%}
        {%- do rows.append('select ' ~ cells | join(', ')) -%}
    {%- endfor -%}
    {%- do run_query(_medfin_create_schema(audit)) -%}
    {{- return(
        'create or replace table ' ~ _medfin_meta(audit)['plain_relation'] ~ ' as '
        ~ rows | join(' union all ')
    ) -}}
{% endmacro %}
