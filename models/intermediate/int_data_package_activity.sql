-- Grain: citizen x year x municipality of residence x area x kind of contact x specialty: the
-- person-level activity the health-council data packages count (distinct citizens need the
-- person), from every DRG contact, psychiatric contact and practice service. The municipality is
-- the citizen's residence on the day of the contact (Bopæl: CPR residence periods); age is on
-- 1 January of the year (the age the population and the per-1,000 denominators use; 0 for a child
-- born during the year). Activity of a citizen without a residence that day is in no row. Money
-- (course values, fees, full and co-financing) comes straight from the facts in
-- int_data_package_cells. Person-level: never published.
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
        cast(null as varchar) as specialty
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
        cast(null as varchar) as specialty
    from {{ ref('fct_psychiatric_stays') }} as stays
    union all
    select
        'practice_services' as activity_source,
        services.person_id,
        services.service_date as activity_date,
        'service' as contact_kind,
        services.provider_kind,
        services.specialty
    from {{ ref('fct_practice_services') }} as services
),

located as (
    select
        activity.activity_source,
        activity.person_id,
        cast(extract(year from activity.activity_date) as integer) as period,
        activity.activity_date,
        residence.municipality_code,
        persons.sex,
        {{ completed_years(
            'persons.birth_date',
            'cast(' ~ dbt.date_trunc('year', 'activity.activity_date') ~ ' as date)'
        ) }} as age_on_1_january,
        areas.report_area,
        activity.contact_kind,
        activity.specialty
    from activity
    inner join {{ ref('data_package_areas') }} as areas
        on
            activity.activity_source = areas.activity_source
            and coalesce(activity.provider_kind, '') = coalesce(areas.provider_kind, '')
    inner join {{ ref('stg_medfin__residence_periods') }} as residence
        on
            activity.person_id = residence.person_id
            and {{ valid_on('residence', 'activity.activity_date') }}
    inner join {{ ref('stg_medfin__persons') }} as persons
        on activity.person_id = persons.person_id
)

-- One row per citizen, municipality, year and kind of activity, with the number of contacts or
-- services: what every table needs, in a third of the rows (practice services repeat).
select
    person_id,
    period,
    municipality_code,
    sex,
    case when age_on_1_january < 0 then 0 else age_on_1_january end as age,
    report_area,
    contact_kind,
    specialty,
    min(activity_date) as activity_date,
    count(*) as events
from located
group by
    person_id,
    period,
    municipality_code,
    sex,
    case when age_on_1_january < 0 then 0 else age_on_1_january end,
    report_area,
    contact_kind,
    specialty
