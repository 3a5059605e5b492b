-- Grain: one row per staged procedure on a DRG contact.
-- A view over the staged table: copying 14 million rows per region buys nothing.
{{ config(materialized='view') }}

select
    drg_procedures.procedure_id,
    drg_procedures.contact_id,
    drg_procedures.procedure_code,
    drg_procedures.performed_at,
    drg_procedures.producing_sor_code,
    sites.hospital_code as producing_hospital_code
from {{ ref('stg_medfin__drg_procedures') }} as drg_procedures
left join {{ ref('treatment_sites') }} as sites
    on drg_procedures.producing_sor_code = sites.sor_code
