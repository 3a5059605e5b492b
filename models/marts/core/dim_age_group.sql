-- Grain: one row per co-financing age group (`all` for flat rules, then 0-2, 3-64, 65-79, 80+),
-- with its validity period, whether the split is confirmed, and its names (seed labels).
select
    age_groups.age_group,
    labels.label_da as age_group_name_da,
    labels.label_en as age_group_name_en,
    age_groups.age_from,
    age_groups.age_to,
    age_groups.sort_order,
    age_groups.valid_from,
    age_groups.valid_to,
    age_groups.status,
    age_groups.source
from {{ ref('age_groups') }} as age_groups
left join {{ ref('labels') }} as labels
    on
        labels.domain = 'age_group'
        and age_groups.age_group = labels.code
