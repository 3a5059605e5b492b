-- Grain: one row per admission stay (intermediate.int_admission_stays), with its role in the
-- 30-day readmission indicator (seed readmission_rules, carried by the stay; docs/indicators.md):
--   readmission       starts at most window_days calendar days after the discharge date of the
--                     person's previous stay of the same area, with the readmission priority of
--                     the rule (somatic: acute ATA1; psychiatric: any);
--   index admission   every other stay: a readmission is never itself an index admission;
--   chain             an index admission and the readmissions after it up to the next index
--                     admission (a conditional running count of index admissions numbers them):
--                     a readmission of a readmission stays in the chain of the first index;
--   followed          an index admission whose next stay is a readmission.
-- Residence and age are the person's at the stay's start (CPR, as in fct_contacts); the
-- indicators count each chain in the municipality of its index admission's start and in the month
-- of its discharge. Person-level: never published.
with stays as (
    select * from {{ ref('int_admission_stays') }}
),

ordered as (
    select
        stays.*,
        cast(stays.stay_start as date) as start_date,
        cast(stays.stay_end as date) as discharge_date,
        lag(stays.stay_id) over (
            partition by stays.person_id, stays.area order by stays.stay_start, stays.stay_id
        ) as previous_stay_id,
        cast(lag(stays.stay_end) over (
            partition by stays.person_id, stays.area order by stays.stay_start, stays.stay_id
        ) as date) as previous_discharge_date
    from stays
),

-- the readmission rule valid on the stay's start: window_days and readmission_priority
judged as (
    select
        ordered.*,
        {{ dbt.datediff('ordered.previous_discharge_date', 'ordered.start_date', 'day') }}
            as days_since_previous_discharge,
        coalesce(
            {{ dbt.datediff('ordered.previous_discharge_date', 'ordered.start_date', 'day') }}
            <= ordered.window_days
            and (
                ordered.readmission_priority is null
                or ordered.priority = ordered.readmission_priority
            ),
            false
        ) as is_readmission
    from ordered
),

chained as (
    select
        judged.*,
        sum(case when judged.is_readmission then 0 else 1 end) over (
            partition by judged.person_id, judged.area
            order by judged.stay_start, judged.stay_id
            rows between unbounded preceding and current row
        ) as chain_number
    from judged
),

chains as (
    select
        person_id,
        area,
        chain_number,
        max(case when not is_readmission then stay_id end) as index_stay_id,
        sum(case when is_readmission then 1 else 0 end) as chain_readmissions
    from chained
    group by person_id, area, chain_number
)

select
    chained.stay_id,
    chained.area,
    chained.person_id,
    chained.first_contact_id,
    chained.stay_start,
    chained.stay_end,
    chained.start_date,
    chained.discharge_date,
    cast({{ dbt.date_trunc('month', 'chained.discharge_date') }} as date) as discharge_month,
    chained.priority,
    chained.first_hospital_code,
    cast(chained.contacts as bigint) as contacts,
    cast(chained.hospitals as bigint) as hospitals,
    chained.previous_stay_id,
    chained.previous_discharge_date,
    cast(chained.days_since_previous_discharge as integer) as days_since_previous_discharge,
    chained.window_days,
    chained.is_readmission,
    not chained.is_readmission as is_index_admission,
    chains.index_stay_id,
    case when not chained.is_readmission then cast(chains.chain_readmissions as bigint) end
        as readmissions,
    case when not chained.is_readmission then chains.chain_readmissions > 0 end
        as is_followed_by_readmission,
    residence.municipality_code as residence_municipality_code,
    persons.sex,
    cast({{ completed_years('persons.birth_date', 'chained.start_date') }} as integer)
        as age_at_start,
    -- the age the per-1,000 denominators use (0 for a child born during the year)
    cast(greatest({{ completed_years(
        'persons.birth_date',
        'cast(' ~ dbt.date_trunc('year', 'chained.discharge_date') ~ ' as date)'
    ) }}, 0) as integer) as age_on_1_january,
    chained.uses_illustrative_rules
from chained
inner join chains
    on
        chained.person_id = chains.person_id
        and chained.area = chains.area
        and chained.chain_number = chains.chain_number
left join {{ ref('stg_medfin__residence_periods') }} as residence
    on
        chained.person_id = residence.person_id
        and {{ valid_on('residence', 'chained.start_date') }}
left join {{ ref('stg_medfin__persons') }} as persons
    on chained.person_id = persons.person_id
