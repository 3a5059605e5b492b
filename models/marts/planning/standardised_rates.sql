-- Grain: year x area (country, region, health council, municipality of residence; the areas of
-- the data packages, int_data_package_geography) x measure (hospital contacts, admissions,
-- co-financing): the crude rate per citizen and the directly age- and sex-standardised rate
-- (docs/indicators-planning.md#standardised-rates). For an area A and year Y, with strata s = sex
-- x co-financing age group (intermediate.int_standardisation_strata) and the standard population
-- N_s (intermediate.int_standard_population, the country of the standard year):
--   crude         = sum_s observed_s(A) / sum_s population_s(A)
--   standardised  = sum_s N_s x (observed_s(A) / population_s(A)) / sum_s N_s
--   ratio         = standardised / crude: above 1, the area's age and sex make-up lowers its
--                   crude rate against the standard; below 1, it raises it.
-- The standardised rate is null when a stratum of the standard has no citizens in the area
-- (strata_without_population counts them): its rate is unknown, and leaving it out would
-- standardise to another population. Areas with citizens on 1 January only.
with strata as (
    select * from {{ ref('int_standardisation_strata') }}
),

standard as (
    select
        activity_year,
        standard_year,
        sex,
        age_group,
        standard_persons,
        sum(standard_persons) over (partition by activity_year) as standard_total
    from {{ ref('int_standard_population') }}
),

geography as (
    select * from {{ ref('int_data_package_geography') }}
),

by_area as (
    select
        strata.activity_year,
        geography.geo_level,
        geography.geo_code,
        strata.measure,
        strata.sex,
        strata.age_group,
        sum(strata.observed) as observed,
        sum(strata.population) as population
    from strata
    inner join geography
        on strata.municipality_code = geography.municipality_code
    group by
        strata.activity_year,
        geography.geo_level,
        geography.geo_code,
        strata.measure,
        strata.sex,
        strata.age_group
),

crude as (
    select
        activity_year,
        geo_level,
        geo_code,
        measure,
        sum(observed) as observed,
        sum(population) as population
    from by_area
    group by activity_year, geo_level, geo_code, measure
),

-- every stratum of the standard for every area and measure, with the area's figures
weighted as (
    select
        crude.activity_year,
        crude.geo_level,
        crude.geo_code,
        crude.measure,
        standard.standard_year,
        standard.standard_persons,
        standard.standard_total,
        by_area.observed,
        coalesce(by_area.population, 0) as population
    from crude
    inner join standard
        on crude.activity_year = standard.activity_year
    left join by_area
        on
            crude.activity_year = by_area.activity_year
            and crude.geo_level = by_area.geo_level
            and crude.geo_code = by_area.geo_code
            and crude.measure = by_area.measure
            and standard.sex = by_area.sex
            and standard.age_group = by_area.age_group
),

standardised as (
    select
        activity_year,
        geo_level,
        geo_code,
        measure,
        max(standard_year) as standard_year,
        max(standard_total) as standard_population,
        sum(case when standard_persons > 0 and population = 0 then 1 else 0 end)
            as strata_without_population,
        sum(
            case
                when population > 0
                    then cast(standard_persons as double) * cast(observed as double) / population
            end
        ) / max(standard_total) as standardised_rate
    from weighted
    group by activity_year, geo_level, geo_code, measure
),

areas as (
    select distinct
        geo_level,
        geo_code,
        geo_name,
        parent_geo_code,
        geo_sort
    from geography
),

rates as (
    select
        crude.activity_year,
        crude.geo_level,
        crude.geo_code,
        crude.measure,
        crude.observed,
        crude.population,
        cast(crude.observed as double) / nullif(crude.population, 0) as crude_rate,
        standardised.standard_year,
        standardised.standard_population,
        coalesce(standardised.strata_without_population, 0) as strata_without_population,
        case
            when standardised.strata_without_population = 0 then standardised.standardised_rate
        end as standardised_rate
    from crude
    left join standardised
        on
            crude.activity_year = standardised.activity_year
            and crude.geo_level = standardised.geo_level
            and crude.geo_code = standardised.geo_code
            and crude.measure = standardised.measure
    where crude.population > 0
)

select
    rates.activity_year,
    rates.geo_level,
    rates.geo_code,
    areas.geo_name,
    areas.parent_geo_code,
    areas.geo_sort,
    rates.measure,
    measure_names.label_da as measure_name_da,
    measure_names.label_en as measure_name_en,
    cast(rates.population as bigint) as population,
    case
        when rates.measure != 'co_financing' then cast(rates.observed as bigint)
    end as observed_count,
    case
        when rates.measure = 'co_financing' then cast(rates.observed as {{ money_type() }})
    end as observed_dkk,
    cast(round(rates.crude_rate, 6) as {{ rate_type() }}) as crude_rate,
    cast(round(rates.standardised_rate, 6) as {{ rate_type() }}) as standardised_rate,
    cast(
        round(rates.standardised_rate / nullif(rates.crude_rate, 0), 6) as {{ rate_type() }}
    ) as standardised_to_crude_ratio,
    cast(rates.standard_year as integer) as standard_population_year,
    cast(rates.standard_population as bigint) as standard_population,
    cast(rates.strata_without_population as integer) as strata_without_population
from rates
inner join areas
    on rates.geo_level = areas.geo_level and rates.geo_code = areas.geo_code
{{ join_label('standardised_measure', 'rates.measure', 'measure_names') }}
