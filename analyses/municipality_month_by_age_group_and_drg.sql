-- One municipality's month: co-financing by age group and DRG group, largest first.
-- dbt compile --select municipality_month_by_age_group_and_drg \
--   --vars '{municipality_code: 751, activity_month: "2021-03-01"}'
-- then run the compiled SQL from target/compiled/ against the warehouse (read-only).
select
    co_financing.age_group,
    co_financing.drg_code,
    drg.drg_name,
    sum(co_financing.billing_units) as billing_units,
    sum(co_financing.basis_dkk) as basis_dkk,
    sum(co_financing.co_financing_dkk) as co_financing_dkk
from {{ ref('co_financing_by_municipality_month') }} as co_financing
left join {{ ref('dim_drg_group') }} as drg
    on co_financing.drg_code = drg.drg_code
where
    co_financing.municipality_code = {{ var('municipality_code', 751) }}
    and co_financing.activity_month = cast('{{ var("activity_month", "2021-03-01") }}' as date)
    and co_financing.area = 'somatik'
group by co_financing.age_group, co_financing.drg_code, drg.drg_name
order by co_financing_dkk desc
