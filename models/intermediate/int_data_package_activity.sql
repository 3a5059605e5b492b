-- Grain: one row per unit of activity or money the health-council data packages count: a DRG
-- contact, a psychiatric contact, a practice service, a DRG course (its value), a full-financing
-- event or a co-financing billing unit. Each row carries the citizen's municipality of residence
-- (Bopæl: CPR residence on the day of the activity; for money the paying municipality of the
-- financing rules), sex and age that day, and the attributes the tables break down by. Activity
-- of a citizen without a residence that day is in no row of the packages (as in the published
-- packages, which count residents). Person-level, so it stays in the intermediate schema.
with activity as (
    select
        'drg_contacts' as activity_source,
        contacts.person_id,
        contacts.start_date as activity_date,
        case
            when contacts.is_admission then 'admission'
            else 'outpatient_visit'
        end as contact_kind,
        cast(null as varchar) as provider_kind,
        cast(null as varchar) as specialty,
        cast(null as decimal(18, 2)) as amount_dkk
    from {{ ref('fct_contacts') }} as contacts
    union all
    select
        'psychiatric_contacts' as activity_source,
        stays.person_id,
        stays.start_date as activity_date,
        case
            when stays.is_admission then 'admission'
            else 'outpatient_visit'
        end as contact_kind,
        cast(null as varchar) as provider_kind,
        cast(null as varchar) as specialty,
        cast(null as decimal(18, 2)) as amount_dkk
    from {{ ref('fct_psychiatric_stays') }} as stays
    union all
    select
        'practice_services' as activity_source,
        services.person_id,
        services.service_date as activity_date,
        'service' as contact_kind,
        services.provider_kind,
        services.specialty,
        services.fee_dkk as amount_dkk
    from {{ ref('fct_practice_services') }} as services
),

located as (
    select
        'activity' as fact_kind,
        activity.activity_source,
        activity.person_id,
        activity.activity_date,
        residence.municipality_code,
        areas.report_area,
        activity.contact_kind,
        activity.specialty,
        cast(null as varchar) as category,
        cast(null as varchar) as co_financing_area,
        cast(null as varchar) as co_financing_age_group,
        cast(1 as bigint) as quantity,
        activity.amount_dkk,
        false as uses_illustrative_rule
    from activity
    inner join {{ ref('data_package_areas') }} as areas
        on
            activity.activity_source = areas.activity_source
            and coalesce(activity.provider_kind, '') = coalesce(areas.provider_kind, '')
    inner join {{ ref('stg_medfin__residence_periods') }} as residence
        on
            activity.person_id = residence.person_id
            and {{ valid_on('residence', 'activity.activity_date') }}
),

-- The value of a somatic DRG course (delivered tariff incl. long-stay payment) counts where the
-- citizen lived when the course started.
course_values as (
    select
        'course_value' as fact_kind,
        'drg_courses' as activity_source,
        courses.person_id,
        courses.start_date as activity_date,
        residence.municipality_code,
        'hospital_somatic' as report_area,
        cast(null as varchar) as contact_kind,
        cast(null as varchar) as specialty,
        cast(null as varchar) as category,
        cast(null as varchar) as co_financing_area,
        cast(null as varchar) as co_financing_age_group,
        cast(1 as bigint) as quantity,
        courses.tariff_dkk as amount_dkk,
        false as uses_illustrative_rule
    from {{ ref('fct_drg_courses') }} as courses
    inner join {{ ref('stg_medfin__residence_periods') }} as residence
        on
            courses.person_id = residence.person_id
            and {{ valid_on('residence', 'courses.start_date') }}
),

-- Psychiatric contacts are not DRG-valued: their value is the psychiatric tariff the co-financing
-- basis uses (seeds/psychiatric_tariffs.csv), with that rule's status.
psychiatric_values as (
    select
        'psychiatric_value' as fact_kind,
        'psychiatric_contacts' as activity_source,
        person_id,
        billing_date as activity_date,
        paying_municipality_code as municipality_code,
        'hospital_psychiatric' as report_area,
        cast(null as varchar) as contact_kind,
        cast(null as varchar) as specialty,
        cast(null as varchar) as category,
        cast(null as varchar) as co_financing_area,
        cast(null as varchar) as co_financing_age_group,
        cast(1 as bigint) as quantity,
        basis_dkk as amount_dkk,
        rule_status = 'illustrative' as uses_illustrative_rule
    from {{ ref('fct_co_financing') }}
    where area = 'psykiatri'
),

full_financing as (
    select
        'full_financing' as fact_kind,
        'full_financing_events' as activity_source,
        person_id,
        activity_date,
        paying_municipality_code as municipality_code,
        cast(null as varchar) as report_area,
        cast(null as varchar) as contact_kind,
        cast(null as varchar) as specialty,
        category,
        cast(null as varchar) as co_financing_area,
        cast(null as varchar) as co_financing_age_group,
        cast(quantity as bigint) as quantity,
        amount_dkk,
        tariff_status = 'illustrative' as uses_illustrative_rule
    from {{ ref('fct_full_financing') }}
),

co_financing as (
    select
        'co_financing' as fact_kind,
        billing_unit_type as activity_source,
        person_id,
        billing_date as activity_date,
        paying_municipality_code as municipality_code,
        cast(null as varchar) as report_area,
        cast(null as varchar) as contact_kind,
        cast(null as varchar) as specialty,
        cast(null as varchar) as category,
        area as co_financing_area,
        age_group as co_financing_age_group,
        cast(1 as bigint) as quantity,
        co_financing_dkk as amount_dkk,
        rule_status = 'illustrative' as uses_illustrative_rule
    from {{ ref('fct_co_financing') }}
),

facts as (
    select * from located
    union all
    select * from course_values
    union all
    select * from psychiatric_values
    union all
    select * from full_financing
    union all
    select * from co_financing
)

select
    facts.fact_kind,
    facts.activity_source,
    facts.person_id,
    cast(extract(year from facts.activity_date) as integer) as period,
    facts.activity_date,
    facts.municipality_code,
    persons.sex,
    {{ completed_years('persons.birth_date', 'facts.activity_date') }} as age,
    facts.report_area,
    facts.contact_kind,
    facts.specialty,
    facts.category,
    facts.co_financing_area,
    facts.co_financing_age_group,
    facts.quantity,
    facts.amount_dkk,
    facts.uses_illustrative_rule
from facts
inner join {{ ref('stg_medfin__persons') }} as persons
    on facts.person_id = persons.person_id
