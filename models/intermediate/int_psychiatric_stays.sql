-- Psychiatric contacts as billing units: admissions (seed admission_rules) with their bed-days
-- and the bed-day tariff, every other contact a visit at the visit tariff of its start year.
with contacts as (
    {{ classify_admissions(ref('stg_medfin__psychiatric_contacts')) }}
),

typed as (
    select
        contacts.*,
        case when contacts.is_admission then 'bed_day' else 'visit' end as tariff_kind,
        case
            when contacts.is_admission
                then {{ bed_days('contacts.contact_start', 'contacts.contact_end') }}
        end as bed_days
    from contacts
)

select
    typed.contact_id,
    typed.person_id,
    typed.reported_municipality_code,
    typed.sor_code,
    typed.hospital_code,
    typed.contact_type,
    typed.contact_start,
    typed.contact_end,
    typed.duration_minutes,
    typed.is_admission,
    typed.bed_days,
    tariffs.tariff_dkk,
    cast(typed.contact_start as date) as start_date,
    case
        when typed.is_admission then 'psykiatri_indlaeggelse' else 'psykiatri_ambulant'
    end as rule_area,
    case when typed.is_admission then 'admission' else 'visit' end as stay_kind,
    cast(tariffs.tariff_dkk * coalesce(typed.bed_days, 1) as {{ money_type() }}) as basis_dkk
from typed
left join {{ ref('psychiatric_tariffs') }} as tariffs
    on
        tariffs.year = extract(year from typed.contact_start)
        and typed.tariff_kind = tariffs.kind
