-- Practice-sector (sygesikring) services that passed base_medfin__practice_services. The
-- municipality is the one reported with the service, not the paying one.
select
    service_id,
    person_id,
    cast(municipality_code as integer) as reported_municipality_code,
    provider_id,
    provider_kind,
    specialty,
    service_date,
    cast(fee_dkk as {{ contract_money_type() }}) as fee_dkk,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__practice_services') }}
where rejection_reason is null
