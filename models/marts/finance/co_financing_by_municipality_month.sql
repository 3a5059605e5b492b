-- Grain: paying municipality x activity month x sex x age group x area x DRG group x hospital x
-- provider kind. `patients` counts distinct persons within a row only (not additive across rows).
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
