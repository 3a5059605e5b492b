-- Grain: one row per co-financing age group (`all` for flat rules, then 0-2, 3-64, 65-79, 80+),
-- with its validity period and whether the split is confirmed.
select
    age_group,
    age_from,
    age_to,
    sort_order,
    valid_from,
    valid_to,
    status,
    source
from {{ ref('age_groups') }}
