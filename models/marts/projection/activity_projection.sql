-- Grain: area (each municipality of the projection, and its health council) x projection year x
-- report area x measure (contacts, admissions, co_financing): the base year's figure and the
-- projected one, for the base year and each year up to the horizon: the base year's figure
-- moved with what the base year's rates by age and sex expect of the projected population
-- (int_projection_activity, docs/projection.md). As published: a figure whose base year rests on
-- 1-4 citizens shows -1, and so does the partner that keeps it from being worked out from its
-- council (seeds/discretion_rules.csv, macro suppress_small_counts). No rows without a delivered
-- population projection.
with judged as (
    {{ suppress_small_counts(
        ref('int_projection_activity_by_area'),
        ['projection_year', 'report_area', 'measure'],
        levels=['health_council', 'municipality']
    ) }}
)

select
    judged.geo_level,
    judged.geo_code,
    judged.geo_name,
    judged.parent_geo_code,
    judged.geo_sort,
    judged.municipalities,
    judged.municipalities_in_area,
    judged.base_year,
    judged.projection_year,
    judged.projection_year - judged.base_year as years_after_base,
    judged.report_area,
    area_names.label_da as report_area_name_da,
    area_names.label_en as report_area_name_en,
    judged.measure,
    measure_names.label_da as measure_name_da,
    measure_names.label_en as measure_name_en,
    cast(
        case when judged.is_suppressed then judged.shown_as else judged.base_value end
        as {{ money_type() }}
    ) as base_value,
    cast(
        case
            when judged.is_suppressed then judged.shown_as
            else round(judged.projected_value, 2)
        end as {{ money_type() }}
    ) as projected_value,
    judged.uses_illustrative_rules,
    judged.is_suppressed
from judged
{{ join_label('report_area', 'judged.report_area', 'area_names') }}
{{ join_label('projection_measure', 'judged.measure', 'measure_names') }}
