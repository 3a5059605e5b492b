-- Grain: one row per treatment site (SOR unit), with its hospital and the region that owns it.
select
    sites.sor_code,
    sites.unit_name,
    sites.hospital_code,
    sites.hospital_name,
    sites.region_code,
    regions.region_name,
    sites.sector,
    sites.specialty,
    sites.source
from {{ ref('treatment_sites') }} as sites
left join {{ ref('regions') }} as regions
    on sites.region_code = regions.region_code
