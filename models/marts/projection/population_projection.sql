-- Grain: area (each municipality of the projection, and its health council) x projection year x
-- age band (seeds/report_age_bands: Under 65, 65+, 80+; they overlap): the residents on
-- 1 January of the projection year (the delivered population projection) and of the base year,
-- with all ages beside (population, base_population) for the band's share. As published: counts
-- of 1-4 show -1, with their partners (seeds/discretion_rules.csv, macro suppress_small_counts).
-- No rows without a delivered population projection.
with judged as (
    {{ suppress_small_counts(
        ref('int_projection_population_by_area'),
        ['projection_year', 'age_band'],
        levels=['health_council', 'municipality']
    ) }}
),

shown as (
    select
        judged.*,
        case when judged.is_suppressed then judged.shown_as else judged.persons end
            as shown_persons,
        case when judged.is_suppressed then judged.shown_as else judged.base_persons end
            as shown_base_persons
    from judged
),

everyone as (
    select * from shown
    where age_band = 'all'
)

select
    shown.geo_level,
    shown.geo_code,
    shown.geo_name,
    shown.parent_geo_code,
    shown.geo_sort,
    shown.municipalities,
    shown.municipalities_in_area,
    shown.base_year,
    shown.projection_year,
    shown.projection_year - shown.base_year as years_after_base,
    shown.age_band,
    band_names.label_da as age_band_name_da,
    band_names.label_en as age_band_name_en,
    cast(shown.shown_persons as bigint) as persons,
    cast(everyone.shown_persons as bigint) as population,
    cast(shown.shown_base_persons as bigint) as base_persons,
    cast(everyone.shown_base_persons as bigint) as base_population,
    shown.is_suppressed,
    everyone.is_suppressed as is_population_suppressed
from shown
inner join everyone
    on
        shown.geo_level = everyone.geo_level
        and shown.geo_code = everyone.geo_code
        and shown.projection_year = everyone.projection_year
{{ join_label('report_age_band', 'shown.age_band', 'band_names') }}
where shown.age_band != 'all'
