-- Grain: region x year x criterion of proximity financing (seed proximity_financing_criteria):
-- the numerator and denominator of each criterion for the citizens of the region (residence;
-- docs/indicators.md). A region and year with a population on 1 January (core.fct_population)
-- has a row for every criterion; the value is numerator / denominator (null without a
-- denominator), and the comparison with the previous year cross-multiplies the two, so it is
-- exact (finance.proximity_financing). uses_illustrative_rules: an illustrative rule value (seeds
-- admission_rules, readmission_rules) is behind the figure.
--   courses_per_citizen   DRG courses starting in the year, by residence at the start / citizens
--                         on 1 January
--   drg_value_per_chronic_citizen
--                         DRG value (course tariff) of every course starting in the year of the
--                         citizens with COPD or diabetes that year / those citizens: a citizen has
--                         it in a year with an action or secondary diagnosis of seed
--                         proximity_diagnosis_codes on a DRG contact starting that year, and
--                         counts in the region of residence at the first such contact
--   readmission_share     somatic index admissions followed by an acute readmission / somatic
--                         index admissions (core.fct_admission_stays), by residence at the index
--                         start and year of its discharge
--   virtual_course_share  DRG courses whose contacts are all virtual / DRG courses
with municipalities as (
    select
        municipality_code,
        region_code
    from {{ ref('dim_municipality') }}
),

population as (
    select
        region_code,
        population_year as activity_year,
        sum(persons) as citizens
    from {{ ref('fct_population') }}
    group by region_code, population_year
),

courses as (
    select
        courses.course_id,
        courses.person_id,
        courses.tariff_dkk,
        courses.is_virtual,
        cast(extract(year from courses.start_date) as integer) as activity_year,
        municipalities.region_code
    from {{ ref('fct_drg_courses') }} as courses
    left join {{ ref('stg_medfin__residence_periods') }} as residence
        on
            courses.person_id = residence.person_id
            and {{ valid_on('residence', 'courses.start_date') }}
    left join municipalities
        on residence.municipality_code = municipalities.municipality_code
),

course_counts as (
    select
        region_code,
        activity_year,
        count(*) as courses,
        sum(case when is_virtual then 1 else 0 end) as virtual_courses
    from courses
    where region_code is not null
    group by region_code, activity_year
),

-- DRG contacts with an action or secondary diagnosis of the code list valid on their start
diagnosed as (
    select distinct diagnoses.contact_id
    from {{ ref('fct_diagnoses') }} as diagnoses
    inner join {{ ref('fct_contacts') }} as contacts
        on diagnoses.contact_id = contacts.contact_id
    inner join {{ ref('proximity_diagnosis_codes') }} as codes
        on
            diagnoses.diagnosis_code like codes.code_prefix || '%'
            and {{ valid_on('codes', 'contacts.start_date') }}
),

-- each with its place among the person's diagnosed contacts of the year (the first decides the
-- region)
chronic_contacts as (
    select
        contacts.person_id,
        cast(extract(year from contacts.start_date) as integer) as activity_year,
        contacts.residence_municipality_code,
        row_number() over (
            partition by contacts.person_id, extract(year from contacts.start_date)
            order by contacts.contact_start, contacts.contact_id
        ) as contact_rank
    from {{ ref('fct_contacts') }} as contacts
    inner join diagnosed
        on contacts.contact_id = diagnosed.contact_id
),

chronic_citizens as (
    select
        chronic_contacts.person_id,
        chronic_contacts.activity_year,
        municipalities.region_code
    from chronic_contacts
    inner join municipalities
        on chronic_contacts.residence_municipality_code = municipalities.municipality_code
    where chronic_contacts.contact_rank = 1
),

chronic_values as (
    select
        chronic_citizens.region_code,
        chronic_citizens.activity_year,
        count(distinct chronic_citizens.person_id) as citizens,
        coalesce(sum(courses.tariff_dkk), 0) as drg_value_dkk
    from chronic_citizens
    left join courses
        on
            chronic_citizens.person_id = courses.person_id
            and chronic_citizens.activity_year = courses.activity_year
    group by chronic_citizens.region_code, chronic_citizens.activity_year
),

readmissions as (
    select
        municipalities.region_code,
        cast(extract(year from stays.discharge_date) as integer) as activity_year,
        count(*) as index_admissions,
        sum(case when stays.is_followed_by_readmission then 1 else 0 end) as followed,
        max(case when stays.uses_illustrative_rules then 1 else 0 end) = 1
            as uses_illustrative_rules
    from {{ ref('fct_admission_stays') }} as stays
    inner join municipalities
        on stays.residence_municipality_code = municipalities.municipality_code
    where stays.area = 'somatik' and stays.is_index_admission
    group by municipalities.region_code, cast(extract(year from stays.discharge_date) as integer)
),

-- every figure of a region and year with a population, zero where nothing happened
by_region as (
    select
        population.region_code,
        population.activity_year,
        population.citizens,
        coalesce(course_counts.courses, 0) as courses,
        coalesce(course_counts.virtual_courses, 0) as virtual_courses,
        coalesce(chronic_values.drg_value_dkk, 0) as chronic_drg_value_dkk,
        coalesce(chronic_values.citizens, 0) as chronic_citizens,
        coalesce(readmissions.index_admissions, 0) as index_admissions,
        coalesce(readmissions.followed, 0) as index_admissions_readmitted,
        coalesce(readmissions.uses_illustrative_rules, false) as readmissions_illustrative
    from population
    left join course_counts
        on
            population.region_code = course_counts.region_code
            and population.activity_year = course_counts.activity_year
    left join chronic_values
        on
            population.region_code = chronic_values.region_code
            and population.activity_year = chronic_values.activity_year
    left join readmissions
        on
            population.region_code = readmissions.region_code
            and population.activity_year = readmissions.activity_year
),

{#- The criteria: (code of seed proximity_financing_criteria, numerator, denominator, whether an
    illustrative rule is behind them), each a column of by_region. -#}
{%- set criteria = [
    ('courses_per_citizen', 'courses', 'citizens', 'false'),
    ('drg_value_per_chronic_citizen', 'chronic_drg_value_dkk', 'chronic_citizens', 'false'),
    ('readmission_share', 'index_admissions_readmitted', 'index_admissions',
        'readmissions_illustrative'),
    ('virtual_course_share', 'virtual_courses', 'courses', 'false'),
] %}

criteria as (
    {%- for criterion, numerator, denominator, illustrative in criteria %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            region_code,
            activity_year,
            '{{ criterion }}' as criterion,
            {{ numerator }} as numerator,
            {{ denominator }} as denominator,
            {{ illustrative }} as uses_illustrative_rules
        from by_region
    {%- endfor %}
)

select
    region_code,
    activity_year,
    criterion,
    cast(numerator as {{ money_type() }}) as numerator,
    cast(denominator as bigint) as denominator,
    uses_illustrative_rules
from criteria
