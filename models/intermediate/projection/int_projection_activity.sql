-- Grain: municipality x projection year x sex x age x report area: the base year's activity and
-- co-financing of a cell (int_projection_base_activity, summed) times the growth of the cell's
-- population from 1 January of the base year to 1 January of the projection year
-- (int_projection_population), for the base year and the years up to the horizon that the
-- delivered projection has (docs/projection.md):
--   growth = projected residents / base-year residents of the same municipality, sex and age;
-- where the cell had no resident in the base year (activity of citizens who moved in during the
-- year at an age nobody of that sex had on 1 January), the growth of the municipality's residents
-- of that sex in the same co-financing age group, else of all its residents. When the projected
-- population equals the base population every growth is exactly 1, and the base year comes back
-- to the øre. A municipality without residents in the base year is not projected. Internal: by
-- single year of age.
with base_year as (
    select base_date
    from {{ ref('int_projection_base_year') }}
),

population as (
    select * from {{ ref('int_projection_population') }}
),

activity as (
    select
        municipality_code,
        sex,
        age,
        report_area,
        sum(contacts) as contacts,
        sum(admissions) as admissions,
        sum(co_financing_dkk) as co_financing_dkk,
        max(case when uses_illustrative_rules then 1 else 0 end) = 1 as uses_illustrative_rules
    from {{ ref('int_projection_base_activity') }}
    group by
        municipality_code,
        sex,
        age,
        report_area
),

-- Every cell with residents, and every cell with activity but no resident in the base year or
-- the projection (its growth is its group's or its municipality's), in each projection year.
cells as (
    select
        municipality_code,
        projection_year,
        sex,
        age,
        base_persons,
        projected_persons
    from population
    union all
    select distinct
        activity.municipality_code,
        years.projection_year,
        activity.sex,
        activity.age,
        0 as base_persons,
        0 as projected_persons
    from activity
    inner join (
        select distinct
            municipality_code,
            projection_year
        from population
    ) as years
        on activity.municipality_code = years.municipality_code
    where not exists (
        select 1
        from population
        where
            population.municipality_code = activity.municipality_code
            and population.sex = activity.sex
            and population.age = activity.age
    )
),

-- The co-financing age group of each age on the base year's 1 January (`all` before the groups).
grouped as (
    select
        ages.age,
        coalesce(min(age_groups.age_group), 'all') as age_group
    from (select distinct age from cells) as ages
    cross join base_year
    left join {{ ref('dim_age_group') }} as age_groups
        on {{ in_age_group('age_groups', 'ages.age', 'base_year.base_date') }}
    group by ages.age
),

totals as (
    select
        cells.*,
        grouped.age_group,
        sum(cells.base_persons) over (
            partition by
                cells.municipality_code, cells.projection_year, cells.sex, grouped.age_group
        ) as group_base_persons,
        sum(cells.projected_persons) over (
            partition by
                cells.municipality_code, cells.projection_year, cells.sex, grouped.age_group
        ) as group_projected_persons,
        sum(cells.base_persons) over (
            partition by cells.municipality_code, cells.projection_year
        ) as municipality_base_persons,
        sum(cells.projected_persons) over (
            partition by cells.municipality_code, cells.projection_year
        ) as municipality_projected_persons
    from cells
    inner join grouped
        on cells.age = grouped.age
),

growth as (
    select
        municipality_code,
        projection_year,
        sex,
        age,
        age_group,
        base_persons,
        projected_persons,
        case
            when base_persons > 0 then 'cell'
            when group_base_persons > 0 then 'age_group'
            when municipality_base_persons > 0 then 'municipality'
        end as growth_basis,
        case
            when base_persons > 0
                then cast(projected_persons as double) / base_persons
            when group_base_persons > 0
                then cast(group_projected_persons as double) / group_base_persons
            when municipality_base_persons > 0
                then cast(municipality_projected_persons as double) / municipality_base_persons
        end as growth
    from totals
)

select
    growth.municipality_code,
    growth.projection_year,
    growth.sex,
    growth.age,
    growth.age_group,
    activity.report_area,
    growth.base_persons,
    growth.projected_persons,
    growth.growth_basis,
    growth.growth,
    activity.contacts as base_contacts,
    activity.admissions as base_admissions,
    activity.co_financing_dkk as base_co_financing_dkk,
    activity.contacts * growth.growth as contacts,
    activity.admissions * growth.growth as admissions,
    cast(activity.co_financing_dkk as double) * growth.growth as co_financing_dkk,
    activity.uses_illustrative_rules
from growth
inner join activity
    on
        growth.municipality_code = activity.municipality_code
        and growth.sex = activity.sex
        and growth.age = activity.age
