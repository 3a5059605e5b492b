-- Grain: one row per domain x code: the Danish and English name of every code the marts carry as
-- the sources write it (area, category, contact type, priority, age group, provider kind,
-- sex, ...).
-- From seed labels; the marts analysts read join these names in.
select
    domain,
    code,
    label_da,
    label_en,
    sort_order,
    source
from {{ ref('labels') }}
