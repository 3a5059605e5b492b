-- Grain: region x activity year x full-financing category. What the region booked (spread over the
-- activity year's and the following fiscal year; other fiscal years shown apart) against the
-- statement medfin computes: the full financing owed by the municipalities of the region
-- (fct_full_financing, paying municipality's region). The difference must be 0
-- (docs/domain.md#controls-and-reconciliation). is_reconciled is null for a year the delivered
-- period covers only in part (int_delivery_whole_years: months still to be loaded).
-- A full outer join, so a booking without activity and activity without a booking both show.
with bookings as (
    select
        region_code,
        activity_year,
        category,
        sum(case when fiscal_year = activity_year then amount_dkk else 0 end)
            as booked_activity_year_dkk,
        sum(case when fiscal_year = activity_year + 1 then amount_dkk else 0 end)
            as booked_following_year_dkk,
        sum(
            case
                when fiscal_year not in (activity_year, activity_year + 1) then amount_dkk else 0
            end
        ) as booked_other_years_dkk,
        sum(amount_dkk) as booked_total_dkk
    from {{ ref('stg_medfin__accounting_bookings') }}
    where category != 'medfinansiering'
    group by region_code, activity_year, category
),

statement as (
    select
        municipalities.region_code,
        cast(extract(year from financing.activity_month) as integer) as activity_year,
        financing.category,
        sum(financing.amount_dkk) as statement_dkk
    from {{ ref('fct_full_financing') }} as financing
    inner join {{ ref('dim_municipality') }} as municipalities
        on financing.paying_municipality_code = municipalities.municipality_code
    group by
        municipalities.region_code,
        extract(year from financing.activity_month),
        financing.category
),

joined as (
    select
        coalesce(bookings.region_code, statement.region_code) as region_code,
        coalesce(bookings.activity_year, statement.activity_year) as activity_year,
        coalesce(bookings.category, statement.category) as category,
        coalesce(bookings.booked_activity_year_dkk, 0) as booked_activity_year_dkk,
        coalesce(bookings.booked_following_year_dkk, 0) as booked_following_year_dkk,
        coalesce(bookings.booked_other_years_dkk, 0) as booked_other_years_dkk,
        coalesce(bookings.booked_total_dkk, 0) as booked_total_dkk,
        coalesce(statement.statement_dkk, 0) as statement_dkk
    from bookings
    full outer join statement
        on
            bookings.region_code = statement.region_code
            and bookings.activity_year = statement.activity_year
            and bookings.category = statement.category
)

select
    cast(joined.region_code as integer) as region_code,
    cast(joined.activity_year as integer) as activity_year,
    joined.category,
    cast(joined.booked_activity_year_dkk as {{ money_type() }}) as booked_activity_year_dkk,
    cast(joined.booked_following_year_dkk as {{ money_type() }}) as booked_following_year_dkk,
    cast(joined.booked_other_years_dkk as {{ money_type() }}) as booked_other_years_dkk,
    cast(joined.booked_total_dkk as {{ money_type() }}) as booked_total_dkk,
    cast(joined.statement_dkk as {{ money_type() }}) as statement_dkk,
    cast(joined.booked_total_dkk - joined.statement_dkk as {{ money_type() }}) as difference_dkk,
    case
        when whole_years.activity_year is not null
            then joined.booked_total_dkk = joined.statement_dkk
    end as is_reconciled
from joined
left join {{ ref('int_delivery_whole_years') }} as whole_years
    on joined.activity_year = whole_years.activity_year
