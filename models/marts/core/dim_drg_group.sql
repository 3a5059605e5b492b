-- Grain: one row per DRG code in the catalogue, described by its latest catalogue year (names and
-- kinds can change between years), with the first and last year it appears.
with catalogue as (
    select
        drg_code,
        drg_year,
        drg_name,
        mdc,
        mdc_name,
        group_kind,
        status
    from {{ ref('drg_catalogue') }}
),

years as (
    select
        drg_code,
        min(drg_year) as first_year,
        max(drg_year) as last_year
    from catalogue
    group by drg_code
)

select
    catalogue.drg_code,
    catalogue.drg_name,
    catalogue.mdc,
    catalogue.mdc_name,
    catalogue.group_kind,
    years.first_year,
    years.last_year,
    catalogue.status
from catalogue
inner join years
    on
        catalogue.drg_code = years.drg_code
        and catalogue.drg_year = years.last_year
