-- Grain: region x activity year. The co-financing settlement of a region
-- (docs/domain.md#aconto-and-ceiling): activity-based co-financing computed by medfin for the
-- region's paying municipalities; the ceiling on the region's co-financing income (excess goes to
-- the state); the aconto the municipalities paid from 2019; and what the region booked as
-- `medfinansiering`, which must equal the activity-based figure (is_reconciled; null for a year
-- the delivered period covers only in part, int_delivery_whole_years). Ceilings and aconto come
-- from seeds; unknown = null.
with activity as (
    select
        municipalities.region_code,
        cast(extract(year from financing.activity_month) as integer) as activity_year,
        sum(financing.co_financing_dkk) as activity_based_dkk
    from {{ ref('fct_co_financing') }} as financing
    inner join {{ ref('dim_municipality') }} as municipalities
        on financing.paying_municipality_code = municipalities.municipality_code
    group by municipalities.region_code, extract(year from financing.activity_month)
),

bookings as (
    select
        region_code,
        activity_year,
        sum(amount_dkk) as booked_dkk
    from {{ ref('stg_medfin__accounting_bookings') }}
    where category = 'medfinansiering'
    group by region_code, activity_year
),

keys as (
    select
        region_code,
        activity_year
    from activity
    union
    select
        region_code,
        activity_year
    from bookings
),

settled as (
    select
        keys.region_code,
        keys.activity_year,
        coalesce(activity.activity_based_dkk, 0) as activity_based_dkk,
        ceilings.ceiling_dkk,
        case
            when ceilings.ceiling_dkk is not null
                then
                    case
                        when coalesce(activity.activity_based_dkk, 0) > ceilings.ceiling_dkk
                            then coalesce(activity.activity_based_dkk, 0) - ceilings.ceiling_dkk
                        else 0
                    end
        end as excess_to_state_dkk,
        aconto.monthly_aconto_dkk * aconto.months_paid as aconto_paid_dkk,
        coalesce(bookings.booked_dkk, 0) as booked_dkk
    from keys
    left join activity
        on keys.region_code = activity.region_code and keys.activity_year = activity.activity_year
    left join bookings
        on keys.region_code = bookings.region_code and keys.activity_year = bookings.activity_year
    left join {{ ref('co_financing_ceilings') }} as ceilings
        on keys.region_code = ceilings.region_code and keys.activity_year = ceilings.year
    left join {{ ref('co_financing_aconto') }} as aconto
        on keys.region_code = aconto.region_code and keys.activity_year = aconto.year
),

income as (
    select
        *,
        activity_based_dkk - coalesce(excess_to_state_dkk, 0) as region_income_dkk
    from settled
)

select
    cast(income.region_code as integer) as region_code,
    cast(income.activity_year as integer) as activity_year,
    cast(income.activity_based_dkk as {{ money_type() }}) as activity_based_dkk,
    cast(income.ceiling_dkk as {{ money_type() }}) as ceiling_dkk,
    cast(income.excess_to_state_dkk as {{ money_type() }}) as excess_to_state_dkk,
    cast(income.region_income_dkk as {{ money_type() }}) as region_income_dkk,
    cast(income.aconto_paid_dkk as {{ money_type() }}) as aconto_paid_dkk,
    cast(income.aconto_paid_dkk - income.region_income_dkk as {{ money_type() }}) as difference_dkk,
    cast(income.booked_dkk as {{ money_type() }}) as booked_dkk,
    cast(income.booked_dkk - income.activity_based_dkk as {{ money_type() }})
        as booked_difference_dkk,
    case
        when whole_years.activity_year is not null
            then income.booked_dkk = income.activity_based_dkk
    end as is_reconciled
from income
left join {{ ref('int_delivery_whole_years') }} as whole_years
    on income.activity_year = whole_years.activity_year
