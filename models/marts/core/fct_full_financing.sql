-- Grain: one row per financed full-financing event (finished-treatment bed-days, hospice days,
-- specialised rehabilitation visits).
select
    event_id,
    person_id,
    paying_municipality_code,
    region_code,
    category,
    rehab_group,
    activity_date,
    activity_month,
    quantity,
    sor_code,
    tariff_dkk,
    tariff_status,
    amount_dkk
from {{ ref('int_full_financing_lines') }}
where resolution_issue is null
