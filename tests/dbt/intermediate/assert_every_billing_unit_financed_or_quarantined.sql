-- Nothing lost: per billing-unit type, the units equal the financed lines plus the quarantined
-- units (with fct_co_financing's key test this means every unit is in exactly one of them), and
-- staged full-financing events equal financed plus quarantined events. Counts, not a key join,
-- to stay cheap at national scale.
with units as (
    select
        billing_unit_type,
        count(*) as units
    from {{ ref('int_billing_units') }}
    group by billing_unit_type
    union all
    select
        'full_financing_event' as billing_unit_type,
        count(*) as units
    from {{ ref('stg_medfin__full_financing_events') }}
),

accounted as (
    select
        billing_unit_type,
        count(*) as rows_accounted
    from {{ ref('fct_co_financing') }}
    group by billing_unit_type
    union all
    select
        'full_financing_event' as billing_unit_type,
        count(*) as rows_accounted
    from {{ ref('fct_full_financing') }}
    union all
    select
        billing_unit_type,
        count(*) as rows_accounted
    from {{ ref('int_financing_quarantine') }}
    group by billing_unit_type
),

totals as (
    select
        billing_unit_type,
        sum(rows_accounted) as rows_accounted
    from accounted
    group by billing_unit_type
)

select
    units.billing_unit_type,
    units.units,
    coalesce(totals.rows_accounted, 0) as rows_accounted
from units
left join totals on units.billing_unit_type = totals.billing_unit_type
where units.units != coalesce(totals.rows_accounted, 0)
