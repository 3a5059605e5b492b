-- Grain: one row per quality-mart check of this build, in the result shape of
-- quality.check_results (without the run columns, which `medfin build` adds when it appends these
-- rows to the history). The checks are the rows of the check catalogue (seeds/check_catalogue.csv)
-- with checked_by = quality_mart, valid today: each is measured by the SQL template of its
-- check_kind (macros/quality/check_kinds.sql) on its relation, and takes its severity and threshold
-- from the same row, so a controller changes a check in the seed, not here.
--   status: not_applicable when nothing was examined (e.g. an optional table not delivered),
--           passed when violating_rows / denominator_rows <= threshold_share, failed otherwise.
-- The relations the catalogue's checks read (dbt needs them before it runs this model; a catalogue
-- row naming another relation fails compilation, and a test keeps this list equal to the seed's):
-- depends_on: {{ ref('contact_completeness') }}
-- depends_on: {{ ref('row_conservation') }}
-- depends_on: {{ ref('lpr_error_rate') }}
-- depends_on: {{ ref('residence_agreement') }}
-- depends_on: {{ ref('fct_contacts') }}
-- depends_on: {{ ref('fct_psychiatric_stays') }}
-- depends_on: {{ ref('full_financing_reconciliation') }}
-- depends_on: {{ ref('co_financing_settlement') }}
-- depends_on: {{ ref('publication_timeliness') }}
-- depends_on: {{ ref('golden_figure_comparison') }}
-- depends_on: {{ ref('admission_stay_reconciliation') }}
-- depends_on: {{ ref('preventable_admissions_plausibility') }}
{%- set checks = check_catalogue_rows(checked_by='quality_mart') %}

with measured as (
    {%- for check in checks %}
        select
            '{{ check.check_name }}' as check_name,
            '{{ check.scope | replace("'", "''") }}' as scope,
            '{{ check.where_to_look | replace("'", "''") }}' as where_to_look,
            measure.violating_rows,
            measure.denominator_rows
        from ({{ check_measure(check) }}) as measure
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        -- no catalogue rows yet (parse time, or the seed is not built in this database)
        select
            cast(null as {{ dbt.type_string() }}) as check_name,
            cast(null as {{ dbt.type_string() }}) as scope,
            cast(null as {{ dbt.type_string() }}) as where_to_look,
            cast(null as bigint) as violating_rows,
            cast(null as bigint) as denominator_rows
        where 1 = 0
    {%- endfor %}
),

catalogue as (
    select *
    from {{ ref('check_catalogue') }} as catalogue
    where {{ valid_on('catalogue', 'cast(' ~ dbt.current_timestamp() ~ ' as date)') }}
),

shares as (
    select
        measured.check_name,
        measured.scope,
        measured.where_to_look,
        cast(coalesce(measured.violating_rows, 0) as bigint) as violating_rows,
        cast(coalesce(measured.denominator_rows, 0) as bigint) as denominator_rows,
        case
            when coalesce(measured.denominator_rows, 0) > 0
                then
                    cast(coalesce(measured.violating_rows, 0) as double)
                    / measured.denominator_rows
        end as violating_share
    from measured
)

select
    shares.check_name,
    catalogue.check_level,
    catalogue.category,
    catalogue.context,
    coalesce(catalogue.severity, 'error') as severity,
    shares.scope,
    shares.violating_rows,
    shares.denominator_rows,
    shares.violating_share,
    coalesce(catalogue.threshold_share, 0) as threshold_share,
    case
        -- a check without a catalogue row is a defect of the catalogue: report it, do not guess
        when catalogue.check_name is null then 'error'
        when shares.denominator_rows = 0 then 'not_applicable'
        when shares.violating_share <= coalesce(catalogue.threshold_share, 0) then 'passed'
        else 'failed'
    end as status,
    shares.where_to_look
from shares
left join catalogue on shares.check_name = catalogue.check_name
