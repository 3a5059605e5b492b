-- Grain: one row per municipality (the 98 codes valid from 2007), with its current region and its
-- 2027 health council and region. Left joins, so a seed gap shows as a failing not_null test
-- instead of a silently missing municipality.
select
    municipalities.municipality_code,
    municipalities.municipality_name,
    municipalities.region_code,
    regions.region_name,
    municipalities.health_council_id,
    health_councils.health_council_name as health_council,
    regions.region_2027_id,
    regions.region_2027
from {{ ref('municipalities') }} as municipalities
left join {{ ref('regions') }} as regions
    on municipalities.region_code = regions.region_code
left join {{ ref('health_councils') }} as health_councils
    on municipalities.health_council_id = health_councils.health_council_id
