-- The DRG groups that cost the municipalities most in a year, with their share of the total.
select
    co_financing.drg_code,
    drg.drg_name,
    drg.mdc_name,
    sum(co_financing.billing_units) as courses,
    sum(co_financing.co_financing_dkk) as co_financing_dkk,
    round(
        100 * sum(co_financing.co_financing_dkk)
        / sum(sum(co_financing.co_financing_dkk)) over (), 2
    ) as percent_of_somatic
from {{ ref('co_financing_by_municipality_month') }} as co_financing
left join {{ ref('dim_drg_group') }} as drg
    on co_financing.drg_code = drg.drg_code
where
    co_financing.area = 'somatik'
    and extract(year from co_financing.activity_month) = {{ var('activity_year', 2021) }}
group by co_financing.drg_code, drg.drg_name, drg.mdc_name
order by co_financing_dkk desc
limit 20
