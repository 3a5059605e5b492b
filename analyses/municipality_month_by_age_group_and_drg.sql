-- One municipality's month: co-financing by age group and DRG group, largest first.
-- dbt compile --select municipality_month_by_age_group_and_drg \
--   --vars '{municipality_code: 751, activity_month: "2021-03-01"}'
-- then run the compiled SQL from target/compiled/ against either published file (read-only).
-- Without vars: the municipality that pays the most in the data, in its latest month.
-- On the analyst file, counts 1-4 are shown as -1: `billing_units` sums the counts shown and
-- `hidden_cells` says how many were hidden (0 on the full warehouse).
{%- set municipality_code = var('municipality_code', none) %}
{%- set activity_month = var('activity_month', none) %}
with chosen_municipality as (
    {% if municipality_code is none -%}
        select municipality_code
        from {{ ref('co_financing_by_municipality_month') }}
        group by municipality_code
        order by sum(co_financing_dkk) desc, municipality_code asc
        limit 1
    {%- else -%}
        select {{ municipality_code | int }} as municipality_code
    {%- endif %}
),

chosen_month as (
    {% if activity_month is none -%}
        select max(co_financing.activity_month) as activity_month
        from {{ ref('co_financing_by_municipality_month') }} as co_financing
        inner join chosen_municipality
            on co_financing.municipality_code = chosen_municipality.municipality_code
    {%- else -%}
        select cast('{{ activity_month }}' as date) as activity_month
    {%- endif %}
)

select
    co_financing.municipality_code,
    co_financing.activity_month,
    co_financing.age_group,
    co_financing.age_group_name_da,
    co_financing.drg_code,
    drg.drg_name,
    sum(case when co_financing.billing_units >= 0 then co_financing.billing_units end)
        as billing_units,
    sum(case when co_financing.billing_units < 0 then 1 else 0 end) as hidden_cells,
    sum(co_financing.basis_dkk) as basis_dkk,
    sum(co_financing.co_financing_dkk) as co_financing_dkk
from {{ ref('co_financing_by_municipality_month') }} as co_financing
inner join chosen_municipality
    on co_financing.municipality_code = chosen_municipality.municipality_code
inner join chosen_month
    on co_financing.activity_month = chosen_month.activity_month
left join {{ ref('dim_drg_group') }} as drg
    on co_financing.drg_code = drg.drg_code
where co_financing.area = 'somatik'
group by
    co_financing.municipality_code,
    co_financing.activity_month,
    co_financing.age_group,
    co_financing.age_group_name_da,
    co_financing.drg_code,
    drg.drg_name
order by co_financing_dkk desc
