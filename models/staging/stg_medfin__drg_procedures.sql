-- Procedures (proceduretabel) that passed base_medfin__drg_procedures; many per contact.
select
    procedure_id,
    contact_id,
    procedure_code,
    performed_ts as performed_at,
    producing_sor_code,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__drg_procedures') }}
where rejection_reason is null
