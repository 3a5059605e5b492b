-- Full-financing lines: the paying municipality is the residence on the day of the activity, the
-- amount the year's tariff for the category (and rehabilitation group) times the quantity.
-- Residence periods of a person never overlap (tested in staging), so the join adds no rows.
with events as (
    select * from {{ ref('stg_medfin__full_financing_events') }}
),

located as (
    select
        events.*,
        persons.person_id as known_person_id,
        residence.municipality_code as paying_municipality_code
    from events
    left join {{ ref('stg_medfin__persons') }} as persons
        on events.person_id = persons.person_id
    left join {{ ref('stg_medfin__residence_periods') }} as residence
        on
            events.person_id = residence.person_id
            and {{ valid_on('residence', 'events.activity_date') }}
)

select
    located.event_id,
    located.person_id,
    located.region_code,
    located.category,
    located.rehab_group,
    located.activity_date,
    located.quantity,
    located.sor_code,
    located.paying_municipality_code,
    tariffs.tariff_dkk,
    tariffs.status as tariff_status,
    cast({{ dbt.date_trunc('month', 'located.activity_date') }} as date) as activity_month,
    cast(tariffs.tariff_dkk * located.quantity as {{ money_type() }}) as amount_dkk,
    case
        when located.known_person_id is null then 'unknown_person'
        when located.paying_municipality_code is null then 'no_residence'
        when tariffs.tariff_dkk is null then 'no_tariff'
    end as resolution_issue
from located
left join {{ ref('full_financing_tariffs') }} as tariffs
    on
        tariffs.year = extract(year from located.activity_date)
        and located.category = tariffs.category
        and coalesce(located.rehab_group, '') = coalesce(tariffs.rehab_group, '')
