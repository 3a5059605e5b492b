-- The data-package tables of preventable admissions (breakdown preventable_group) divide by the
-- citizens of the indicator's age band: their denominator `age_band:<band>` must name the band
-- of seeds/preventable_admission_rules.csv valid on the table's first day, so that the two seeds
-- cannot drift apart.
select
    package_tables.table_id,
    package_tables.denominator,
    rules.age_band
from {{ ref('data_package_tables') }} as package_tables
left join {{ ref('preventable_admission_rules') }} as rules
    on {{ valid_on('rules', 'package_tables.valid_from') }}
where
    package_tables.breakdown = 'preventable_group'
    and (
        rules.age_band is null
        or package_tables.denominator != {{ dbt.concat(["'age_band:'", 'rules.age_band']) }}
    )
