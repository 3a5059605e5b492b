-- Grain: one row per admission stay: the admission contacts (seed admission_rules) of one person
-- and area (somatik: DRG contacts; psykiatri: psychiatric contacts) that overlap or follow each
-- other within the transfer gap of seed readmission_rules, at any hospital. Gaps and islands with
-- window functions: a contact starts a new stay when it starts more than the gap after the latest
-- end of the person's earlier contacts of the area (a running maximum, so a long contact that
-- covers shorter ones keeps them in its stay). A stay's priority is its first contact's;
-- psychiatric contacts carry none. The stay carries the readmission window and priority of the
-- rule valid on its start, which core.fct_admission_stays applies. Contacts no rule of
-- readmission_rules covers form no stay (quality.admission_stay_reconciliation counts them).
-- Person-level: never published.
with somatic_contacts as (
    select * from {{ ref('int_drg_contacts_classified') }}
),

psychiatric_contacts as (
    {{ classify_admissions(ref('stg_medfin__psychiatric_contacts')) }}
),

admission_contacts as (
    select
        'somatik' as area,
        contact_id,
        person_id,
        hospital_code,
        priority,
        contact_start,
        contact_end,
        admission_rule_status
    from somatic_contacts
    where is_admission
    union all
    select
        'psykiatri' as area,
        contact_id,
        person_id,
        hospital_code,
        cast(null as varchar) as priority,
        contact_start,
        contact_end,
        admission_rule_status
    from psychiatric_contacts
    where is_admission
),

with_rule as (
    select
        admission_contacts.*,
        rules.transfer_gap_hours,
        rules.window_days,
        rules.readmission_priority,
        rules.status as readmission_rule_status
    from admission_contacts
    inner join {{ ref('readmission_rules') }} as rules
        on
            admission_contacts.area = rules.area
            and {{ valid_on('rules', 'cast(admission_contacts.contact_start as date)') }}
),

-- the latest end of the person's earlier admission contacts of the area
with_earlier_end as (
    select
        *,
        max(contact_end) over (
            partition by person_id, area
            order by contact_start, contact_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_end
    from with_rule
),

flagged as (
    select
        *,
        case
            when
                earlier_end is null
                or contact_start > {{ dbt.dateadd('hour', 'transfer_gap_hours', 'earlier_end') }}
                then 1
            else 0
        end as starts_stay
    from with_earlier_end
),

numbered as (
    select
        *,
        sum(starts_stay) over (
            partition by person_id, area
            order by contact_start, contact_id
            rows between unbounded preceding and current row
        ) as stay_number
    from flagged
)

select
    area,
    person_id,
    max(case when starts_stay = 1 then contact_id end) as first_contact_id,
    area || ':' || max(case when starts_stay = 1 then contact_id end) as stay_id,
    min(contact_start) as stay_start,
    max(contact_end) as stay_end,
    max(case when starts_stay = 1 then priority end) as priority,
    max(case when starts_stay = 1 then hospital_code end) as first_hospital_code,
    -- the readmission rule valid on the stay's start (its first contact's)
    max(case when starts_stay = 1 then window_days end) as window_days,
    max(case when starts_stay = 1 then readmission_priority end) as readmission_priority,
    count(*) as contacts,
    count(distinct hospital_code) as hospitals,
    max(
        case
            when
                readmission_rule_status = 'illustrative'
                or coalesce(admission_rule_status, 'illustrative') = 'illustrative'
                then 1
            else 0
        end
    ) = 1 as uses_illustrative_rules
from numbered
group by area, person_id, stay_number
