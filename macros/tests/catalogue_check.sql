{#-
    medfin_catalogue_check: the check `check_name` of the check catalogue
    (seeds/check_catalogue.csv) as a dbt data test on `model`, measured by the same SQL template
    as quality.mart_check_results (macros/quality/check_kinds.sql), so that a plain `dbt build`
    fails when a fatal or error check fails and the check is still written once. Returns one row
    (violating_rows, denominator_rows) when the violating share is above the catalogue's
    threshold; dbt counts its violating rows. The test's severity in quality.check_results is the
    catalogue's (medfin.checks.dbt_results); a warning check is no dbt test (it would stop
    `dbt build`), so naming one fails compilation.
-#}
{% test medfin_catalogue_check(model, check_name) %}
{{ config(fail_calc='coalesce(sum(violating_rows), 0)') }}
-- depends_on: {{ ref('check_catalogue') }}
{%- set rows = check_catalogue_rows(check_name=check_name) %}
{%- if execute and rows | length != 1 %}
    {{ exceptions.raise_compiler_error(
        'medfin_catalogue_check: seeds/check_catalogue.csv has ' ~ rows | length
        ~ ' rows valid today for ' ~ check_name ~ ' (need one)'
    ) }}
{%- endif %}
{%- if execute and rows[0]['severity'] == 'warning' %}
    {{ exceptions.raise_compiler_error(
        'medfin_catalogue_check: ' ~ check_name ~ ' is a warning check; only fatal and error'
        ~ ' checks may stop dbt build'
    ) }}
{%- endif %}

{%- if execute %}
    select
        measured.violating_rows,
        measured.denominator_rows
    from ({{ check_measure(rows[0], model) }}) as measured
    where
        measured.denominator_rows > 0
        and measured.violating_rows
        > {{ rows[0]['threshold_share'] or 0 }} * measured.denominator_rows
{%- else %}
    select
        cast(null as bigint) as violating_rows,
        cast(null as bigint) as denominator_rows
    where 1 = 0
{%- endif %}
{% endtest %}
