-- Grain: one row per sex code as CPR and LPR write it (`M` mand, `K` kvinde).
select
    'M' as sex,
    'mand' as sex_name_da,
    'male' as sex_name_en
union all
select
    'K' as sex,
    'kvinde' as sex_name_da,
    'female' as sex_name_en
