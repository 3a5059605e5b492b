-- Source medfin_history.golden_figures, the history table medfin's Python code keeps across
-- builds (src/medfin/checks/history.py); the only model that reads that table. Ephemeral, so
-- that no relation is added to the warehouse: the models that read it get it as a CTE.
{{ config(materialized='ephemeral') }}

select
    figure,
    municipality_code,
    activity_year,
    breakdown,
    units,
    amount_dkk,
    rules_fingerprint,
    run_id,
    published_at,
    delivery_id
from {{ source('medfin_history', 'golden_figures') }}
