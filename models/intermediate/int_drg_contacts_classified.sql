-- DRG contacts with their duration and whether each is an admission (seed admission_rules).
-- A view: one cheap join over staged contacts, read by two models.
{{ config(materialized='view') }}

{{ classify_admissions(ref('stg_medfin__drg_contacts')) }}
