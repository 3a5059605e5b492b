-- Persons (pseudonymised CPR extract) that passed base_medfin__persons; one row per person.
select
    person_id,
    sex,
    birth_date,
    death_date,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__persons') }}
where rejection_reason is null
