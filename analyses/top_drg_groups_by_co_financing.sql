-- The DRG groups that cost the municipalities most in a year, with their share of the total.
-- On the analyst file, counts 1-4 are shown as -1: `courses` sums the counts shown and
-- `hidden_cells` says how many were hidden (0 on the full warehouse).
-- dbt compile --select top_drg_groups_by_co_financing --vars '{activity_year: 2021}'
-- Without vars: the latest year in the data.
{%- set activity_year = var('activity_year', none) %}
with chosen_year as (
    {% if activity_year is none -%}
        select max(extract(year from activity_month)) as activity_year
        from {{ ref('co_financing_by_municipality_month') }}
    {%- else -%}
        select {{ activity_year | int }} as activity_year
    {%- endif %}
)

select
    co_financing.drg_code,
    drg.drg_name,
    drg.mdc_name,
    sum(case when co_financing.billing_units >= 0 then co_financing.billing_units end)
        as courses,
    sum(case when co_financing.billing_units < 0 then 1 else 0 end) as hidden_cells,
    sum(co_financing.co_financing_dkk) as co_financing_dkk,
    round(
        100 * sum(co_financing.co_financing_dkk)
        / sum(sum(co_financing.co_financing_dkk)) over (), 2
    ) as percent_of_somatic
from {{ ref('co_financing_by_municipality_month') }} as co_financing
inner join chosen_year
    on extract(year from co_financing.activity_month) = chosen_year.activity_year
left join {{ ref('dim_drg_group') }} as drg
    on co_financing.drg_code = drg.drg_code
where co_financing.area = 'somatik'
group by co_financing.drg_code, drg.drg_name, drg.mdc_name
order by co_financing_dkk desc
limit 20
