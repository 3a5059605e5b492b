-- Grain: one row per staged practice-sector service.
-- A view over the staged table: copying 9 million rows per region buys nothing.
{{ config(materialized='view') }}

select
    service_id,
    person_id,
    reported_municipality_code,
    provider_id,
    provider_kind,
    specialty,
    service_date,
    cast({{ dbt.date_trunc('month', 'service_date') }} as date) as activity_month,
    cast(fee_dkk as {{ money_type() }}) as fee_dkk
from {{ ref('stg_medfin__practice_services') }}
