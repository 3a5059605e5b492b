-- Secondary diagnoses that passed base_medfin__drg_diagnoses; many per contact.
select
    contact_id,
    diagnosis_code,
    diagnosis_kind,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__drg_diagnoses') }}
where rejection_reason is null
