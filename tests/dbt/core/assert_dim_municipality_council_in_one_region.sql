-- A health council groups municipalities of one current region, and its 2027 region is the 2027
-- region of each of its municipalities. Fails with every council that breaks either.
select
    municipalities.health_council_id,
    count(distinct municipalities.region_code) as current_regions,
    count(distinct municipalities.region_2027) as regions_2027,
    min(councils.region_2027) as council_region_2027
from {{ ref('dim_municipality') }} as municipalities
left join {{ ref('health_councils') }} as councils
    on municipalities.health_council_id = councils.health_council_id
group by municipalities.health_council_id
having
    count(distinct municipalities.region_code) > 1
    or count(distinct municipalities.region_2027) > 1
    or min(councils.region_2027) <> min(municipalities.region_2027)
    or min(councils.region_2027) is null
