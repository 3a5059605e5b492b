-- Grain: paying municipality x activity month x category x rehabilitation group.
select
    paying_municipality_code as municipality_code,
    activity_month,
    category,
    rehab_group,
    count(*) as events,
    cast(sum(quantity) as bigint) as quantity,
    cast(sum(amount_dkk) as {{ money_type() }}) as amount_dkk,
    max(case when tariff_status = 'illustrative' then 1 else 0 end) = 1
        as uses_illustrative_tariffs
from {{ ref('fct_full_financing') }}
group by paying_municipality_code, activity_month, category, rehab_group
