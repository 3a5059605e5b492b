-- Grain: one row per sex code as CPR and LPR write it (`M`, `K`), named from seed labels.
select
    code as sex,
    label_da as sex_name_da,
    label_en as sex_name_en
from {{ ref('labels') }}
where domain = 'sex'
