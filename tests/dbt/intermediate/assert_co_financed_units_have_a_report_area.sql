-- Every area and provider kind of core.fct_co_financing has its row in seed data_package_areas,
-- which places it in an area of the health-council data packages: the data package joins on it
-- (int_data_package_cells, inner join), so a forgotten row would drop those units from the
-- reporting tables silently (docs/financing-areas.md). Fails with one row per unplaced pair.
select
    units.area,
    units.provider_kind,
    count(*) as billing_units
from {{ ref('fct_co_financing') }} as units
where
    not exists (
        select 1 from {{ ref('data_package_areas') }} as areas
        where
            areas.co_financing_area = units.area
            and coalesce(areas.provider_kind, '') = coalesce(units.provider_kind, '')
    )
group by units.area, units.provider_kind
