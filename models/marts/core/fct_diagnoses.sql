-- Grain: one row per contact and diagnosis: the action diagnosis of every DRG contact (kind A)
-- and each secondary diagnosis (kind B).
-- A view over the staged tables: copying them buys nothing.
{{ config(materialized='view') }}

select
    contact_id,
    action_diagnosis as diagnosis_code,
    'A' as diagnosis_kind
from {{ ref('stg_medfin__drg_contacts') }}
union all
select
    contact_id,
    diagnosis_code,
    diagnosis_kind
from {{ ref('stg_medfin__drg_diagnoses') }}
