{#-
    The 1-based row of the delivered file a raw row came from (an auditor finds a rejected row in
    the delivery with it). Use it in the first select that reads a source, before any filter or
    join, since the CSV branch numbers rows in the order the scan produces them.

    Parquet: DuckDB's `file_row_number` (0-based), which the sources file requests with
    `read_parquet(..., file_row_number=true)`.

    CSV: DuckDB 2.0's CSV reader has no file_row_number option ("not supported by this reader"),
    so rows are numbered with `row_number() over ()`: the data line of the file, header excluded.
    That relies on the scan keeping file order, which DuckDB does while `preserve_insertion_order`
    is on (its default; the profile must not turn it off). Caveat: a CSV field with an embedded
    line break spans several text lines but is one row, so the number counts rows, not text lines.
    tests/python/test_staging.py checks that CSV and Parquet deliveries get the same numbers.

    Month deliveries (MEDFIN_DELIVERY_LAYOUT=months): the row of its month's file; the sources
    number CSV rows within each month themselves (file_row_number), so both formats use it.
-#}
{% macro source_row_number() -%}
    {%- if env_var('MEDFIN_DELIVERY_FORMAT', 'parquet') | lower == 'csv'
        and env_var('MEDFIN_DELIVERY_LAYOUT', '') != 'months' -%}
        row_number() over ()
    {%- else -%}
        file_row_number + 1
    {%- endif -%}
{%- endmacro %}
