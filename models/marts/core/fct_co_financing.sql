-- Grain: one row per co-financed billing unit (DRG course, psychiatric contact, practice service):
-- basis, the rule row it used (share, cap, validity, status), amount and whether the cap applied.
-- A view: the 12 million rows of a region are materialized once, in int_co_financing_lines.
{{ config(materialized='view') }}

select
    billing_unit_type,
    billing_unit_id,
    finance_area as area,
    rule_area,
    provider_kind,
    unit_kind,
    paying_municipality_code,
    person_id,
    sex,
    age_years,
    age_group,
    billing_date,
    activity_month,
    drg_code,
    hospital_code,
    basis_dkk,
    share,
    cap_dkk,
    cap_unit,
    rule_valid_from,
    rule_age_group,
    rule_status,
    co_financing_dkk,
    is_capped
from {{ ref('int_co_financing_lines') }}
where issue is null
