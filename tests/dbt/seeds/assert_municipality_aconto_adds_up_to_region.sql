-- Where every municipality of a region has a co-financing aconto for a year
-- (seeds/co_financing_aconto_municipality.csv), they add up to the region's aconto of that year
-- (seeds/co_financing_aconto.csv: the monthly amount of all its municipalities x months paid).
-- A region with only some of its municipalities entered is not compared (a municipality may
-- enter its own aconto alone).
with municipalities as (
    select
        municipalities.region_code,
        count(*) as municipalities
    from {{ ref('municipalities') }} as municipalities
    group by municipalities.region_code
),

entered as (
    select
        municipalities.region_code,
        acontos.year,
        count(*) as municipalities,
        sum(acontos.aconto_dkk) as aconto_dkk
    from {{ ref('co_financing_aconto_municipality') }} as acontos
    inner join {{ ref('municipalities') }} as municipalities
        on acontos.municipality_code = municipalities.municipality_code
    group by municipalities.region_code, acontos.year
)

select
    entered.region_code,
    entered.year,
    entered.aconto_dkk,
    regions.monthly_aconto_dkk * regions.months_paid as region_aconto_dkk
from entered
inner join municipalities
    on
        entered.region_code = municipalities.region_code
        and entered.municipalities = municipalities.municipalities
inner join {{ ref('co_financing_aconto') }} as regions
    on entered.region_code = regions.region_code and entered.year = regions.year
where entered.aconto_dkk != regions.monthly_aconto_dkk * regions.months_paid
