-- Grain: paying municipality x activity month x sex x age group x area x DRG group x hospital x
-- provider kind. `patients` counts distinct persons within a row only (not additive across rows).
-- Codes keep the sources' spelling; their Danish and English names come from dim_label.
with co_financing as (
    select
        paying_municipality_code as municipality_code,
        activity_month,
        sex,
        coalesce(age_group, 'all') as age_group,
        area,
        drg_code,
        hospital_code,
        provider_kind,
        count(*) as billing_units,
        count(distinct person_id) as patients,
        cast(sum(basis_dkk) as {{ money_type() }}) as basis_dkk,
        cast(sum(co_financing_dkk) as {{ money_type() }}) as co_financing_dkk,
        max(case when rule_status = 'illustrative' then 1 else 0 end) = 1 as uses_illustrative_rules
    from {{ ref('fct_co_financing') }}
    group by
        paying_municipality_code,
        activity_month,
        sex,
        coalesce(age_group, 'all'),
        area,
        drg_code,
        hospital_code,
        provider_kind
)

select
    co_financing.municipality_code,
    co_financing.activity_month,
    co_financing.sex,
    co_financing.age_group,
    age_group_names.label_da as age_group_name_da,
    age_group_names.label_en as age_group_name_en,
    co_financing.area,
    area_names.label_da as area_name_da,
    area_names.label_en as area_name_en,
    co_financing.drg_code,
    co_financing.hospital_code,
    co_financing.provider_kind,
    provider_names.label_da as provider_kind_name_da,
    provider_names.label_en as provider_kind_name_en,
    co_financing.billing_units,
    co_financing.patients,
    co_financing.basis_dkk,
    co_financing.co_financing_dkk,
    co_financing.uses_illustrative_rules
from co_financing
{{ join_label('age_group', 'co_financing.age_group', 'age_group_names') }}
{{ join_label('area', 'co_financing.area', 'area_names') }}
{{ join_label('provider_kind', 'co_financing.provider_kind', 'provider_names') }}
