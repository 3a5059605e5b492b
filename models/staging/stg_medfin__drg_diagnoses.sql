-- Secondary diagnoses that passed staging_rules('drg_diagnoses'); many per contact.
select
    contact_id,
    diagnosis_code,
    diagnosis_kind,
    source_row_number
from {{ ref('stg_medfin__drg_diagnoses_checked') }}
where rejection_reason is null
