-- Grain: paying municipality x delivered month: the budget follow-up of a municipality's health
-- financing (docs/indicators-planning.md#budget-follow-up). Per measure (co-financing, full
-- financing): the month, the year so far and the year-end forecast with its method
-- (intermediate.int_budget_forecasts); and the co-financing so far and forecast against the
-- year's aconto of seeds/co_financing_aconto_municipality.csv. A municipality and year without an
-- aconto row has null comparison columns, never zero.
with forecasts as (
    select * from {{ ref('int_budget_forecasts') }}
),

by_month as (
    select
        municipality_code,
        activity_year,
        month_start,
        months_known,
        {%- for measure in ['co_financing', 'full_financing'] %}
            max(case when measure = '{{ measure }}' then amount_dkk end) as {{ measure }}_dkk,
            max(case when measure = '{{ measure }}' then to_date_dkk end)
                as {{ measure }}_to_date_dkk,
            max(case when measure = '{{ measure }}' then forecast_dkk end)
                as {{ measure }}_forecast_dkk,
            max(case when measure = '{{ measure }}' then forecast_method end)
                as {{ measure }}_forecast_method,
        {%- endfor %}
        max(case when uses_illustrative_rules then 1 else 0 end) as illustrative
    from forecasts
    group by municipality_code, activity_year, month_start, months_known
),

-- the illustrative rules behind the year so far
year_so_far as (
    select
        by_month.*,
        max(by_month.illustrative) over (
            partition by by_month.municipality_code, by_month.activity_year
            order by by_month.month_start
            rows between unbounded preceding and current row
        ) as illustrative_so_far
    from by_month
)

select
    year_so_far.municipality_code,
    municipalities.municipality_name,
    municipalities.region_code,
    municipalities.region_name,
    municipalities.health_council,
    year_so_far.activity_year,
    year_so_far.month_start as activity_month,
    year_so_far.months_known,
    year_so_far.co_financing_dkk,
    year_so_far.co_financing_to_date_dkk,
    year_so_far.co_financing_forecast_dkk,
    year_so_far.co_financing_forecast_method,
    year_so_far.full_financing_dkk,
    year_so_far.full_financing_to_date_dkk,
    year_so_far.full_financing_forecast_dkk,
    year_so_far.full_financing_forecast_method,
    acontos.aconto_dkk,
    cast(
        round(
            cast(year_so_far.co_financing_to_date_dkk as double) / nullif(acontos.aconto_dkk, 0), 6
        )
        as {{ rate_type() }}
    ) as co_financing_to_date_share_of_aconto,
    cast(year_so_far.co_financing_forecast_dkk - acontos.aconto_dkk as {{ money_type() }})
        as co_financing_forecast_minus_aconto_dkk,
    year_so_far.illustrative_so_far = 1
    or coalesce(acontos.status = 'illustrative', false) as uses_illustrative_rules
from year_so_far
left join {{ ref('co_financing_aconto_municipality') }} as acontos
    on
        year_so_far.municipality_code = acontos.municipality_code
        and year_so_far.activity_year = acontos.year
left join {{ ref('dim_municipality') }} as municipalities
    on year_so_far.municipality_code = municipalities.municipality_code
