-- What was established about each contract table before dbt ran (source
-- medfin_build.delivery_audit): one row per contract table. `medfin build` validated the delivery
-- and wrote the audit (src/medfin/extract.py); a plain `dbt build` has the on-run-start hook make
-- it from manifest.json (macros/hooks/medfin_delivery.sql: checksums not_checked, no
-- validated_at). Typed and trimmed; an empty text field is null. Read by quality.row_conservation.
-- A table, not a view: a view would read the CSV in the build's work folder, so the published
-- file would break once that folder is gone or the file is copied elsewhere.
{{ config(materialized='table') }}

select
    trim(source_table) as source_table,
    delivered,
    nullif(trim(file_name), '') as file_name,
    lower(trim(file_format)) as file_format,
    cast(manifest_rows as bigint) as manifest_rows,
    lower(nullif(trim(sha256_manifest), '')) as sha256_manifest,
    trim(sha256_status) as sha256_status,
    nullif(trim(delivery_id), '') as delivery_id,
    cast(extracted_at as {{ dbt.type_timestamp() }}) as extracted_at,
    cast(period_from as date) as period_from,
    cast(period_to as date) as period_to,
    cast(validated_at as {{ dbt.type_timestamp() }}) as validated_at
from {{ source('medfin_build', 'delivery_audit') }}
