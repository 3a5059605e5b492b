-- A municipality next to its peers in the same health council: co-financing per 1,000 citizens
-- per area, and the difference to the council's average.
-- dbt compile --select peers_per_1000_citizens --vars '{activity_year: 2021}'
-- Without vars: the latest year in the data.
{%- set activity_year = var('activity_year', none) %}
with chosen_year as (
    {% if activity_year is none -%}
        select max(activity_year) as activity_year
        from {{ ref('co_financing_per_citizen') }}
        where population > 0
    {%- else -%}
        select {{ activity_year | int }} as activity_year
    {%- endif %}
),

per_citizen as (
    select co_financing.*
    from {{ ref('co_financing_per_citizen') }} as co_financing
    inner join chosen_year
        on co_financing.activity_year = chosen_year.activity_year
    where co_financing.population > 0
)

select
    per_citizen.health_council,
    per_citizen.municipality_code,
    per_citizen.municipality_name,
    per_citizen.activity_year,
    per_citizen.population,
    round(1000 * per_citizen.somatic_per_citizen_dkk, 0) as somatic_per_1000_dkk,
    round(1000 * per_citizen.psychiatric_per_citizen_dkk, 0) as psychiatric_per_1000_dkk,
    round(1000 * per_citizen.practice_per_citizen_dkk, 0) as practice_per_1000_dkk,
    round(1000 * per_citizen.total_per_citizen_dkk, 0) as total_per_1000_dkk,
    round(
        1000 * (
            per_citizen.total_per_citizen_dkk
            - avg(per_citizen.total_per_citizen_dkk) over (partition by per_citizen.health_council)
        ), 0
    ) as total_per_1000_vs_council_dkk
from per_citizen
order by per_citizen.health_council asc, total_per_1000_dkk desc
