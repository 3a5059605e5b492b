-- Grain: one row per quality-mart check of this build, in the result shape of
-- quality.check_results (without the run columns, which `medfin build` adds when it appends these
-- rows to the history). Each check counts violating and examined rows in one quality mart; its
-- severity and threshold come from the catalogue seed check_thresholds (row valid today), so a
-- controller changes a threshold in the seed, not here.
--   status: not_applicable when nothing was examined (e.g. an optional table not delivered),
--           passed when violating_rows / denominator_rows <= threshold_share, failed otherwise.
{# One entry per check: what counts as violating, out of what, in which mart. #}
{% set checks = [
    {'name': 'contacts_not_found_share', 'scope': 'quality.contact_completeness',
     'look': 'quality.contacts_not_found',
     'violating': 'sum(not_found)', 'denominator': 'sum(contacts_in_region_records)',
     'from': ref('contact_completeness')},
    {'name': 'contacts_not_found_material', 'scope': 'quality.contact_completeness',
     'look': 'quality.contacts_not_found',
     'violating': 'sum(not_found)', 'denominator': 'sum(contacts_in_region_records)',
     'from': ref('contact_completeness')},
    {'name': 'row_conservation', 'scope': 'quality.row_conservation (tables)',
     'look': 'quality.row_conservation (is_conserved = false)',
     'violating': 'sum(case when is_conserved then 0 else 1 end)', 'denominator': 'count(*)',
     'from': ref('row_conservation')},
    {'name': 'rows_quarantined', 'scope': 'staging (every raw table)',
     'look': 'staging.stg_medfin__quarantine',
     'violating': 'sum(rows_quarantined)', 'denominator': 'sum(rows_read)',
     'from': ref('row_conservation')},
    {'name': 'lpr_error_share', 'scope': 'quality.lpr_error_rate',
     'look': 'quality.lpr_error_rate; staging.stg_medfin__lpr_errors',
     'violating': 'sum(case when unique_reports > 0 then listed_errors else 0 end)',
     'denominator': 'sum(case when unique_reports > 0 then unique_reports else 0 end)',
     'from': ref('lpr_error_rate')},
    {'name': 'residence_disagreement_share', 'scope': 'core.fct_contacts, core.fct_psychiatric_stays',
     'look': 'quality.residence_agreement',
     'violating': '(select count(*) from ' ~ ref('residence_agreement') ~ ')',
     'denominator': '(select count(*) from ' ~ ref('fct_contacts') ~ ') + count(*)',
     'from': ref('fct_psychiatric_stays')},
    {'name': 'full_financing_reconciled', 'scope': 'quality.full_financing_reconciliation',
     'look': 'quality.full_financing_reconciliation (is_reconciled = false)',
     'violating': 'sum(case when is_reconciled then 0 else 1 end)', 'denominator': 'count(*)',
     'from': ref('full_financing_reconciliation')},
    {'name': 'co_financing_bookings_reconciled', 'scope': 'quality.co_financing_settlement',
     'look': 'quality.co_financing_settlement (is_reconciled = false)',
     'violating': 'sum(case when is_reconciled then 0 else 1 end)', 'denominator': 'count(*)',
     'from': ref('co_financing_settlement')},
    {'name': 'co_financing_within_ceiling', 'scope': 'quality.co_financing_settlement',
     'look': 'quality.co_financing_settlement (excess_to_state_dkk > 0)',
     'violating': 'sum(case when excess_to_state_dkk > 0 then 1 else 0 end)',
     'denominator': 'sum(case when ceiling_dkk is not null then 1 else 0 end)',
     'from': ref('co_financing_settlement')},
    {'name': 'publications_on_time', 'scope': 'quality.publication_timeliness',
     'look': 'quality.publication_timeliness (status late or missed)',
     'violating': "sum(case when status = 'on_time' then 0 else 1 end)", 'denominator': 'count(*)',
     'from': ref('publication_timeliness')},
    {'name': 'golden_figures_unchanged', 'scope': 'quality.closed_period_totals',
     'look': 'quality.golden_figure_comparison (comparison changed or missing)',
     'violating': "sum(case when comparison in ('changed', 'missing') then 1 else 0 end)",
     'denominator': "sum(case when comparison = 'new' then 0 else 1 end)",
     'from': ref('golden_figure_comparison')},
] %}

with measured as (
    {%- for check in checks %}
        select
            '{{ check.name }}' as check_name,
            '{{ check.scope }}' as scope,
            '{{ check.look }}' as where_to_look,
            {{ check.violating }} as violating_rows,
            {{ check.denominator }} as denominator_rows
        from {{ check.from }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

catalogue as (
    select *
    from {{ ref('check_thresholds') }} as thresholds
    where {{ valid_on('thresholds', 'cast(' ~ dbt.current_timestamp() ~ ' as date)') }}
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
