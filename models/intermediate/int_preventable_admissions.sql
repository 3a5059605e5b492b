-- Grain: one row per acute admission of a citizen in the indicator's age band, preventable or
-- not: a DRG contact that is an admission (seeds/admission_rules.csv) with priority ATA1
-- (staging's is_acute), of a citizen in the report age band of
-- seeds/preventable_admission_rules.csv (65_plus: age in completed years on the admission date,
-- so 64 the day before the 65th birthday and 65 on it). It is preventable (preventable_group not
-- null) when its diagnosis of the rule's kind (the action diagnosis) lies in a code range of
-- seeds/preventable_admission_groups.csv valid on the admission date. The municipality is the
-- residence on the admission date (fct_contacts; Bopæl): an admission without a residence that
-- day is in no row. The DRG value is the course's (its tariff, the basis of co-financing),
-- counted once per course, on the course's first preventable admission, and so is the course's
-- co-financing; a second preventable admission of the same course adds none. The acute
-- admissions that are not preventable are the base of the check that preventable admissions never
-- outnumber them (quality.preventable_admissions_plausibility). Person-level: never published
-- (planning.preventable_admissions and table 8 of reporting.data_package are).
with admissions as (
    select
        contacts.contact_id,
        contacts.course_id,
        contacts.person_id,
        contacts.residence_municipality_code as municipality_code,
        contacts.contact_start,
        contacts.start_date as admission_date,
        persons.sex,
        {{ completed_years('persons.birth_date', 'contacts.start_date') }} as age
    from {{ ref('fct_contacts') }} as contacts
    inner join {{ ref('stg_medfin__persons') }} as persons
        on contacts.person_id = persons.person_id
    where
        contacts.is_admission
        and contacts.is_acute
        and contacts.residence_municipality_code is not null
),

in_age_band as (
    select
        admissions.*,
        rules.diagnosis_kind,
        rules.status = 'illustrative' as rule_is_illustrative
    from admissions
    inner join {{ ref('preventable_admission_rules') }} as rules
        on {{ valid_on('rules', 'admissions.admission_date') }}
    inner join {{ ref('report_age_bands') }} as bands
        on
            rules.age_band = bands.age_band
            and {{ in_age_band('bands', 'admissions.age', 'admissions.admission_date') }}
),

-- the diagnoses of the rule's kind that lie in a group (more than one per admission only when
-- the seed's ranges overlap, which its test and this model's key test catch)
matches as (
    select
        in_age_band.contact_id,
        diagnoses.diagnosis_code,
        code_ranges.preventable_group,
        code_ranges.status = 'illustrative' as group_is_illustrative
    from in_age_band
    inner join {{ ref('fct_diagnoses') }} as diagnoses
        on
            in_age_band.contact_id = diagnoses.contact_id
            and in_age_band.diagnosis_kind = diagnoses.diagnosis_kind
    inner join {{ ref('preventable_admission_groups') }} as code_ranges
        on
            {{ valid_on('code_ranges', 'in_age_band.admission_date') }}
            and substring(diagnoses.diagnosis_code, 1, length(code_ranges.code_from))
            between code_ranges.code_from and code_ranges.code_to
),

classified as (
    select
        in_age_band.*,
        matches.diagnosis_code,
        matches.preventable_group,
        in_age_band.rule_is_illustrative
        or coalesce(matches.group_is_illustrative, false) as uses_illustrative_rule,
        row_number() over (
            partition by
                in_age_band.course_id,
                case when matches.preventable_group is null then 0 else 1 end
            order by in_age_band.contact_start, in_age_band.contact_id
        ) as order_in_course
    from in_age_band
    left join matches
        on in_age_band.contact_id = matches.contact_id
),

course_co_financing as (
    select
        billing_unit_id as course_id,
        co_financing_dkk
    from {{ ref('fct_co_financing') }}
    where billing_unit_type = 'drg_course'
)

select
    classified.contact_id,
    classified.course_id,
    classified.person_id,
    classified.municipality_code,
    classified.admission_date,
    cast(extract(year from classified.admission_date) as integer) as admission_year,
    classified.sex,
    classified.age,
    classified.diagnosis_code,
    classified.preventable_group,
    classified.preventable_group is not null as is_preventable,
    classified.preventable_group is not null and classified.order_in_course = 1
        as carries_course_value,
    cast(
        case
            when classified.preventable_group is not null and classified.order_in_course = 1
                then courses.tariff_dkk
            else 0
        end
        as {{ money_type() }}
    ) as drg_value_dkk,
    cast(
        case
            when classified.preventable_group is not null and classified.order_in_course = 1
                then coalesce(course_co_financing.co_financing_dkk, 0)
            else 0
        end
        as {{ money_type() }}
    ) as co_financing_dkk,
    classified.uses_illustrative_rule
from classified
left join {{ ref('fct_drg_courses') }} as courses
    on classified.course_id = courses.course_id
left join course_co_financing
    on classified.course_id = course_co_financing.course_id
