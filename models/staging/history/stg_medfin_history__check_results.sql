-- Source medfin_history.check_results, the history table medfin's Python code keeps across
-- builds (src/medfin/checks/history.py); the only model that reads that table. Ephemeral, so
-- that no relation is added to the warehouse: the models that read it get it as a CTE.
{{ config(materialized='ephemeral') }}

select
    run_id,
    run_at,
    delivery_id,
    checked_by,
    check_name,
    check_level,
    category,
    context,
    severity,
    scope,
    violating_rows,
    denominator_rows,
    violating_share,
    threshold_share,
    status,
    where_to_look
from {{ source('medfin_history', 'check_results') }}
