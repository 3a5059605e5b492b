-- Persons (pseudonymised CPR extract) that passed staging_rules('persons'); one row per person.
select
    person_id,
    sex,
    birth_date,
    death_date,
    source_row_number
from {{ ref('stg_medfin__persons_checked') }}
where rejection_reason is null
