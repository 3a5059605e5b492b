-- Every co-financing billing unit in one shape (docs/financing-rules.md): a DRG course, a
-- psychiatric contact (admission or visit) or a practice service, with the date that decides
-- year, month, residence, age and rule, and the basis the share applies to.
-- A view: a reshaping union read once by int_billing_units_resolved.
-- finance_area and rule_area are the one place in SQL where an activity gets its co-financing
-- area; everything else reads the areas from seeds (docs/financing-areas.md).
{{ config(materialized='view') }}

with somatic as (
    select
        'drg_course' as billing_unit_type,
        course_id as billing_unit_id,
        'somatik' as finance_area,
        'somatik' as rule_area,
        cast(null as {{ dbt.type_string() }}) as provider_kind,
        case when is_admission then 'admission' else 'visit' end as unit_kind,
        person_id,
        start_date as billing_date,
        cast(tariff_dkk as {{ money_type() }}) as basis_dkk,
        drg_code,
        hospital_code
    from {{ ref('int_drg_courses_enriched') }}
),

psychiatric as (
    select
        'psychiatric_contact' as billing_unit_type,
        contact_id as billing_unit_id,
        'psykiatri' as finance_area,
        rule_area,
        cast(null as {{ dbt.type_string() }}) as provider_kind,
        stay_kind as unit_kind,
        person_id,
        start_date as billing_date,
        basis_dkk,
        cast(null as {{ dbt.type_string() }}) as drg_code,
        hospital_code
    from {{ ref('int_psychiatric_stays') }}
),

practice as (
    select
        'practice_service' as billing_unit_type,
        service_id as billing_unit_id,
        'praksis' as finance_area,
        'praksis' as rule_area,
        provider_kind,
        'service' as unit_kind,
        person_id,
        service_date as billing_date,
        cast(fee_dkk as {{ money_type() }}) as basis_dkk,
        cast(null as {{ dbt.type_string() }}) as drg_code,
        cast(null as {{ dbt.type_string() }}) as hospital_code
    from {{ ref('stg_medfin__practice_services') }}
)

select * from somatic
union all
select * from psychiatric
union all
select * from practice
