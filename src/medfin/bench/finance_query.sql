-- The hand-written finance query of `medfin bench`: co-financing per paying municipality x activity
-- month x area, and full financing per municipality x month x category, in ONE DuckDB query
-- straight from the delivered files. A benchmark of DuckDB itself, the practical lower bound of the
-- dbt finance path (issue 12): DuckDB dialect, NOT part of the dbt project (dbt never reads it).
-- It must give the figures of finance.co_financing_by_municipality_month and
-- finance.full_financing_by_municipality_month to the øre; medfin.bench.finance_query runs it and
-- compares (compare_with_marts).
--
-- What it reads (views made by medfin.bench.finance_query, so that nothing the contract or the
-- seed files say is written here again):
--   delivery.<table>  a delivered file (manifest.json) with its columns normalised as staging
--                     does (trimmed, empty = null, codes in the contract's case, money in the
--                     contract's money type) and `passes_contract`: the row breaks none of the
--                     contract's row rules (nulls, allowed values, patterns, bounds, money range
--                     and precision). Tables with a person id also have `pseudonymous_person_id`
--                     (the contract's person id rule). A key's uniqueness needs the whole table:
--                     it is checked here.
--   delivery.extract  one row: the manifest's extraction day and the contract's maximum age
--   seed.<name>       seeds/<name>.csv with the column types of seeds/_seeds.yml
-- The rules are those of docs/financing-rules.md and docs/staging-interface.md; every share, cap,
-- tariff, age limit and threshold comes from a seed.
--
-- Staging's quarantine matters here only where it removes a row the totals would count: this
-- query keeps what passes and never says why the rest failed. A person id that breaks the person
-- id rule can only belong to a person whom staging rejects, so the activity tables need not test
-- it: their rows find no person below and are not financed, as in the warehouse.
--
-- Speed: one scan per delivered file plus one of its key column (for duplicates), equality joins
-- everywhere (ranges of days, ages and years become a key and a residual test), and money kept in
-- narrow decimals.

with

-- Codes the seeds know: staging rejects a row whose municipality, region or site is not here.
known_municipalities as (
    select municipality_code from seed.municipalities
),

known_regions as (
    select region_code from seed.regions
),

known_sites as (
    select sor_code from seed.treatment_sites
),

-- Persons staging keeps: the contract's rules, an id that occurs once, a birth date at most the
-- contract's maximum age before the extract and not after it, death not before birth.
repeated_person_ids as (
    select person_id
    from delivery.persons
    where person_id is not null
    group by person_id
    having count(*) > 1
),

persons as (
    select
        persons.person_id,
        persons.birth_date
    from delivery.persons as persons
    cross join delivery.extract as extraction
    where
        persons.passes_contract
        and persons.pseudonymous_person_id
        and coalesce(
            persons.birth_date between
            extraction.extracted_on - to_years(extraction.maximum_age)
            and extraction.extracted_on,
            true
        )
        and coalesce(persons.death_date >= persons.birth_date, true)
        and persons.person_id not in (
            select repeated.person_id from repeated_person_ids as repeated
        )
),

-- Who pays for a person on which days: residence periods [valid_from, valid_to) in a known
-- municipality, with the birth date that decides the age. An activity of a person without a
-- period on its day is not financed. Periods of one person do not overlap (a dbt test).
payers as (
    select
        persons.person_id,
        persons.birth_date,
        residence.municipality_code,
        residence.valid_from,
        residence.valid_to
    from delivery.residence as residence
    inner join persons on residence.person_id = persons.person_id
    where
        residence.passes_contract
        and coalesce(residence.valid_to >= residence.valid_from, true)
        and residence.municipality_code in (
            select known.municipality_code from known_municipalities as known
        )
),

-- Somatic billing units: DRG courses staging keeps (unique id, known region, end not before
-- start), billed on the day they start at their tariff.
repeated_course_ids as (
    select course_id
    from delivery.drg_courses
    where course_id is not null
    group by course_id
    having count(*) > 1
),

courses as (
    select
        courses.course_id,
        courses.person_id,
        cast(courses.course_start as date) as billing_date,
        courses.tariff_dkk as basis_dkk
    from delivery.drg_courses as courses
    where
        courses.passes_contract
        and courses.course_end >= courses.course_start
        and courses.region_code in (select known.region_code from known_regions as known)
        and courses.course_id not in (
            select repeated.course_id from repeated_course_ids as repeated
        )
),

-- Whether a course is an admission (any of its contacts is one) decides its rule only where a
-- somatic rule tells admissions from visits (before 2018). Only the courses that start while such
-- a rule is valid have their contacts read: for later years DuckDB never scans the contacts.
courses_of_kind_rules as (
    select distinct courses.course_id
    from courses
    inner join seed.co_financing_rules as rules
        on
            courses.billing_date >= rules.valid_from
            and (rules.valid_to is null or courses.billing_date < rules.valid_to)
            and rules.area = 'somatik'
            and rules.cap_unit in ('admission', 'visit')
),

kind_contacts as (
    select contacts.*
    from delivery.drg_contacts as contacts
    where contacts.course_id in (select kind.course_id from courses_of_kind_rules as kind)
),

repeated_contact_ids as (
    select contact_id
    from delivery.drg_contacts
    where contact_id in (select kind.contact_id from kind_contacts as kind)
    group by contact_id
    having count(*) > 1
),

-- Courses with a contact staging keeps that is an admission (seed admission_rules: its contact
-- type, valid on its start day, lasting at least the minimum duration).
admitted_courses as (
    select distinct contacts.course_id
    from kind_contacts as contacts
    inner join seed.admission_rules as admission
        on
            contacts.contact_type = admission.contact_type
            and cast(contacts.start_ts as date) >= admission.valid_from
            and (
                admission.valid_to is null
                or cast(contacts.start_ts as date) < admission.valid_to
            )
            and date_diff('minute', contacts.start_ts, contacts.end_ts)
            >= admission.min_duration_hours * 60
    where
        contacts.passes_contract
        and contacts.pseudonymous_person_id
        and contacts.end_ts >= contacts.start_ts
        and contacts.sor_code in (select known.sor_code from known_sites as known)
        and contacts.municipality_code in (
            select known.municipality_code from known_municipalities as known
        )
        and contacts.contact_id not in (
            select repeated.contact_id from repeated_contact_ids as repeated
        )
),

-- Psychiatric billing units: contacts staging keeps; an admission (seed admission_rules) is paid
-- per bed-day (the calendar days [start, end) touches), every other contact per visit, at the
-- tariff of its start year.
repeated_psychiatric_ids as (
    select contact_id
    from delivery.psychiatric_contacts
    where contact_id is not null
    group by contact_id
    having count(*) > 1
),

psychiatric_contacts as (
    select
        contacts.person_id,
        contacts.start_ts,
        contacts.end_ts,
        coalesce(
            date_diff('minute', contacts.start_ts, contacts.end_ts)
            >= admission.min_duration_hours * 60,
            false
        ) as is_admission
    from delivery.psychiatric_contacts as contacts
    left join seed.admission_rules as admission
        on
            contacts.contact_type = admission.contact_type
            and cast(contacts.start_ts as date) >= admission.valid_from
            and (
                admission.valid_to is null
                or cast(contacts.start_ts as date) < admission.valid_to
            )
    where
        contacts.passes_contract
        and contacts.end_ts >= contacts.start_ts
        and contacts.sor_code in (select known.sor_code from known_sites as known)
        and contacts.municipality_code in (
            select known.municipality_code from known_municipalities as known
        )
        and contacts.contact_id not in (
            select repeated.contact_id from repeated_psychiatric_ids as repeated
        )
),

psychiatric as (
    select
        contacts.person_id,
        contacts.is_admission,
        cast(contacts.start_ts as date) as billing_date,
        -- Days as an integer keep the basis a narrow decimal (DuckDB multiplies wide ones slowly).
        tariffs.tariff_dkk * cast(
            case
                when contacts.is_admission
                    then
                        cast(contacts.end_ts - interval 1 minute as date)
                        - cast(contacts.start_ts as date)
                        + 1
                else 1
            end as integer
        ) as basis_dkk
    from psychiatric_contacts as contacts
    inner join seed.psychiatric_tariffs as tariffs
        on
            year(contacts.start_ts) = tariffs.year
            and tariffs.kind = case when contacts.is_admission then 'bed_day' else 'visit' end
),

-- Practice billing units: services staging keeps (unique id, reported municipality known),
-- billed on their day at their fee.
repeated_service_ids as (
    select service_id
    from delivery.practice_services
    where service_id is not null
    group by service_id
    having count(*) > 1
),

services as (
    select
        services.person_id,
        services.provider_kind,
        services.service_date as billing_date,
        services.fee_dkk as basis_dkk
    from delivery.practice_services as services
    where
        services.passes_contract
        and services.municipality_code in (
            select known.municipality_code from known_municipalities as known
        )
        and services.service_id not in (
            select repeated.service_id from repeated_service_ids as repeated
        )
),

-- Every billing unit in one shape: the area it is reported under; the area, provider kind and
-- kind (admission or visit) its rule is looked up with; the person; the day that decides year,
-- month, residence, age and rule; and the basis the share applies to.
billing_units as (
    select
        'somatik' as area,
        'somatik' as rule_area,
        '' as provider_key,
        case
            when courses.course_id in (select admitted.course_id from admitted_courses as admitted)
                then 'admission'
            else 'visit'
        end as unit_kind,
        courses.person_id,
        courses.billing_date,
        courses.basis_dkk
    from courses
    union all
    select
        'psykiatri' as area,
        case
            when psychiatric.is_admission then 'psykiatri_indlaeggelse' else 'psykiatri_ambulant'
        end as rule_area,
        '' as provider_key,
        case when psychiatric.is_admission then 'admission' else 'visit' end as unit_kind,
        psychiatric.person_id,
        psychiatric.billing_date,
        psychiatric.basis_dkk
    from psychiatric
    union all
    select
        'praksis' as area,
        'praksis' as rule_area,
        services.provider_kind as provider_key,
        'service' as unit_kind,
        services.person_id,
        services.billing_date,
        services.basis_dkk
    from services
),

-- The seeds' age groups by single year of age and their rules by calendar year, so that a unit
-- finds its candidates with an equality join and only the day is compared. An age beyond every
-- finite bound is clamped to one past them (only the open-ended groups reach there), an age below
-- every group to one below (no group); a year after every finite rule likewise.
age_bounds as (
    select
        min(age_from) - 1 as below_every_group,
        greatest(coalesce(max(age_to), 0) + 1, max(age_from)) as beyond_every_group
    from seed.age_groups
    where age_group != 'all'
),

rule_bounds as (
    select
        max(greatest(year(valid_from), coalesce(year(valid_to - interval 1 day), 0))) + 1
            as beyond_every_rule
    from seed.co_financing_rules
),

ages_of_groups as (
    select
        age_groups.age_group,
        age_groups.valid_from,
        age_groups.valid_to,
        unnest(generate_series(
            age_groups.age_from, coalesce(age_groups.age_to, age_bounds.beyond_every_group)
        )) as age
    from seed.age_groups as age_groups
    cross join age_bounds
    where age_groups.age_group != 'all'
),

-- A rule for all ages applies under every age group and to units without one ('').
age_keys as (
    select distinct age_group as age_key from seed.age_groups
    where age_group != 'all'
    union all
    select '' as age_key
),

years_of_rules as (
    select
        rules.area,
        coalesce(rules.provider_kind, '') as provider_key,
        age_keys.age_key,
        rules.valid_from,
        rules.valid_to,
        rules.cap_unit,
        rules.share,
        rules.cap_dkk,
        unnest(generate_series(
            year(rules.valid_from),
            coalesce(year(rules.valid_to - interval 1 day), rule_bounds.beyond_every_rule)
        )) as rule_year
    from seed.co_financing_rules as rules
    inner join age_keys on rules.age_group in ('all', age_keys.age_key)
    cross join rule_bounds
),

-- The paying municipality and the age in completed years on the billing day (a birthday counts
-- from the day itself: born 29 February, a year older on 1 March in common years).
located_units as (
    select
        units.area,
        units.rule_area,
        units.provider_key,
        units.unit_kind,
        units.billing_date,
        units.basis_dkk,
        payers.municipality_code,
        year(units.billing_date) - year(payers.birth_date)
        - cast(
            month(units.billing_date) * 100 + day(units.billing_date)
            < month(payers.birth_date) * 100 + day(payers.birth_date) as integer
        ) as age_years
    from billing_units as units
    inner join payers
        on
            units.person_id = payers.person_id
            and units.billing_date >= payers.valid_from
            and (payers.valid_to is null or units.billing_date < payers.valid_to)
),

-- The age group valid on the billing day ('' when none applies: then only rules for all ages).
grouped_units as (
    select
        units.*,
        coalesce(ages.age_group, '') as age_key
    from located_units as units
    cross join age_bounds
    left join ages_of_groups as ages
        on
            greatest(
                least(units.age_years, age_bounds.beyond_every_group),
                age_bounds.below_every_group
            ) = ages.age
            and units.billing_date >= ages.valid_from
            and (ages.valid_to is null or units.billing_date < ages.valid_to)
),

-- The one rule of each unit (same area, provider kind and age group or all, valid on the day, a
-- cap unit that fits): co-financing is the share of the basis rounded to the øre (half away from
-- zero, as DuckDB rounds decimals), at most the cap. A unit without a rule is not financed.
co_financing as (
    select
        units.municipality_code,
        units.area,
        units.billing_date,
        units.basis_dkk,
        case
            when rules.cap_dkk < round(units.basis_dkk * rules.share, 2) then rules.cap_dkk
            else round(units.basis_dkk * rules.share, 2)
        end as co_financing_dkk
    from grouped_units as units
    cross join rule_bounds
    inner join years_of_rules as rules
        on
            units.rule_area = rules.area
            and units.provider_key = rules.provider_key
            and units.age_key = rules.age_key
            and least(year(units.billing_date), rule_bounds.beyond_every_rule) = rules.rule_year
            and units.billing_date >= rules.valid_from
            and (rules.valid_to is null or units.billing_date < rules.valid_to)
            and (rules.cap_unit in ('course', 'service') or units.unit_kind = rules.cap_unit)
),

-- Full financing: events staging keeps (unique id, known region and site, a rehabilitation group
-- exactly for specialised rehabilitation), paid by the residence on the day of the activity at
-- the year's tariff of the category (and group) times the quantity.
repeated_event_ids as (
    select event_id
    from delivery.full_financing_events
    where event_id is not null
    group by event_id
    having count(*) > 1
),

full_financing as (
    select
        payers.municipality_code,
        events.category,
        events.activity_date,
        events.quantity,
        tariffs.tariff_dkk * events.quantity as amount_dkk
    from delivery.full_financing_events as events
    inner join payers
        on
            events.person_id = payers.person_id
            and events.activity_date >= payers.valid_from
            and (payers.valid_to is null or events.activity_date < payers.valid_to)
    inner join seed.full_financing_tariffs as tariffs
        on
            year(events.activity_date) = tariffs.year
            and events.category = tariffs.category
            and coalesce(events.rehab_group, '') = coalesce(tariffs.rehab_group, '')
    where
        events.passes_contract
        and (events.rehab_group is not null) = (events.category = 'genoptraening_specialiseret')
        and events.region_code in (select known.region_code from known_regions as known)
        and events.sor_code in (select known.sor_code from known_sites as known)
        and events.event_id not in (select repeated.event_id from repeated_event_ids as repeated)
)

select
    'co_financing' as financing,
    municipality_code,
    cast(date_trunc('month', billing_date) as date) as activity_month,
    area,
    count(*) as billing_units,
    cast(null as bigint) as quantity,
    sum(basis_dkk) as basis_dkk,
    sum(co_financing_dkk) as amount_dkk
from co_financing
group by all
union all
select
    'full_financing' as financing,
    municipality_code,
    cast(date_trunc('month', activity_date) as date) as activity_month,
    category as area,
    count(*) as billing_units,
    sum(quantity) as quantity,
    null as basis_dkk,
    sum(amount_dkk) as amount_dkk
from full_financing
group by all
order by financing, municipality_code, activity_month, area
