-- Grain: one row per area (somatik, psykiatri): the admission stays of core.fct_admission_stays
-- against the admission contacts of the core facts (fct_contacts, fct_psychiatric_stays). Every
-- admission contact is in exactly one stay, every stay is an index admission or a readmission,
-- every readmission is in the chain of an index admission, and an index admission followed by a
-- readmission is at most one per readmission (check admission_stays_reconciled). A contact that no
-- rule of seeds/readmission_rules.csv covers is in no stay and fails the check.
with contacts as (
    select
        'somatik' as area,
        count(*) as admission_contacts
    from {{ ref('fct_contacts') }}
    where is_admission
    union all
    select
        'psykiatri' as area,
        count(*) as admission_contacts
    from {{ ref('fct_psychiatric_stays') }}
    where is_admission
),

stays as (
    select
        area,
        sum(contacts) as stay_contacts,
        count(*) as stays,
        sum(case when is_index_admission then 1 else 0 end) as index_admissions,
        sum(case when is_readmission then 1 else 0 end) as readmissions,
        sum(case when is_followed_by_readmission then 1 else 0 end) as index_admissions_readmitted,
        coalesce(sum(readmissions), 0) as readmissions_in_chains
    from {{ ref('fct_admission_stays') }}
    group by area
),

reconciled as (
    select
        contacts.area,
        contacts.admission_contacts,
        coalesce(stays.stay_contacts, 0) as stay_contacts,
        coalesce(stays.stays, 0) as stays,
        coalesce(stays.index_admissions, 0) as index_admissions,
        coalesce(stays.readmissions, 0) as readmissions,
        coalesce(stays.index_admissions_readmitted, 0) as index_admissions_readmitted,
        coalesce(stays.readmissions_in_chains, 0) as readmissions_in_chains
    from contacts
    left join stays
        on contacts.area = stays.area
)

select
    area,
    cast(admission_contacts as bigint) as admission_contacts,
    cast(stay_contacts as bigint) as stay_contacts,
    cast(stays as bigint) as stays,
    cast(index_admissions as bigint) as index_admissions,
    cast(readmissions as bigint) as readmissions,
    cast(index_admissions_readmitted as bigint) as index_admissions_readmitted,
    (
        admission_contacts = stay_contacts
        and stays = index_admissions + readmissions
        and readmissions = readmissions_in_chains
        and index_admissions_readmitted <= readmissions
        and index_admissions_readmitted <= index_admissions
    ) as is_reconciled
from reconciled
