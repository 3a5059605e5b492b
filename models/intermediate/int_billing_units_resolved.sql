-- Billing units with the paying municipality (CPR residence on the billing date), the patient's
-- sex, age in completed years and co-financing age group on that date. resolution_issue says why
-- a unit cannot be financed (it then goes to int_financing_quarantine, never to a null payer).
-- Residence periods of a person never overlap (tested in staging), so the join adds no rows.
-- A view: int_co_financing_lines materializes units, residence, age and rule in one pass.
{{ config(materialized='view') }}

with units as (
    select * from {{ ref('int_billing_units') }}
),

located as (
    select
        units.*,
        persons.sex,
        persons.birth_date,
        persons.person_id as known_person_id,
        residence.municipality_code as paying_municipality_code
    from units
    left join {{ ref('stg_medfin__persons') }} as persons
        on units.person_id = persons.person_id
    left join {{ ref('stg_medfin__residence_periods') }} as residence
        on
            units.person_id = residence.person_id
            and {{ valid_on('residence', 'units.billing_date') }}
),

aged as (
    select
        located.*,
        {{ completed_years('located.birth_date', 'located.billing_date') }} as age_years
    from located
)

select
    aged.billing_unit_type,
    aged.billing_unit_id,
    aged.finance_area,
    aged.rule_area,
    aged.provider_kind,
    aged.unit_kind,
    aged.person_id,
    aged.billing_date,
    aged.basis_dkk,
    aged.drg_code,
    aged.hospital_code,
    aged.sex,
    aged.age_years,
    age_groups.age_group,
    aged.paying_municipality_code,
    cast({{ dbt.date_trunc('month', 'aged.billing_date') }} as date) as activity_month,
    case
        when aged.known_person_id is null then 'unknown_person'
        when aged.paying_municipality_code is null then 'no_residence'
        when aged.basis_dkk is null then 'no_tariff'
    end as resolution_issue
from aged
left join {{ ref('age_groups') }} as age_groups
    on {{ in_age_group('age_groups', 'aged.age_years', 'aged.billing_date') }}
