{#-
    GENERATED from src/medfin/checks/history.py by `python -m medfin.checks.history --hook-macro`;
    do not edit by hand (a test checks they agree).

    on-run-start (dbt_project.yml): the history tables the quality marts read (source
    medfin_history), created when missing. `medfin build` has made them already and
    copied the published warehouse's history into them; a plain `dbt build` starts an
    empty history.
-#}
{% macro medfin_history_tables() -%}
create schema if not exists quality;
create table if not exists quality.check_results (
    run_id varchar not null,
    run_at timestamp not null,
    delivery_id varchar,
    checked_by varchar not null,
    check_name varchar not null,
    check_level varchar,
    category varchar,
    context varchar,
    severity varchar not null,
    scope varchar,
    violating_rows bigint,
    denominator_rows bigint,
    violating_share double,
    threshold_share double,
    status varchar not null,
    where_to_look varchar
);
create table if not exists quality.golden_figures (
    figure varchar not null,
    municipality_code integer not null,
    activity_year integer not null,
    breakdown varchar not null,
    units bigint,
    amount_dkk decimal(18, 2),
    rules_fingerprint varchar not null,
    run_id varchar not null,
    published_at timestamp not null,
    delivery_id varchar
)
{%- endmacro %}
