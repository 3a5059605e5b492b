-- Grain: paying municipality x activity month x category x rehabilitation group.
-- The category's Danish and English names come from dim_label.
with full_financing as (
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
)

select
    full_financing.municipality_code,
    full_financing.activity_month,
    full_financing.category,
    category_names.label_da as category_name_da,
    category_names.label_en as category_name_en,
    full_financing.rehab_group,
    full_financing.events,
    full_financing.quantity,
    full_financing.amount_dkk,
    full_financing.uses_illustrative_tariffs
from full_financing
{{ join_label('category', 'full_financing.category', 'category_names') }}
