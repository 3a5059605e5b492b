-- Grain: as int_budget_months (municipality x delivered month x measure): the year-end forecast
-- made with the months known at the end of that month, by two methods
-- (docs/indicators-planning.md#budget-follow-up):
--   previous_year_profile  the year so far x last year's total / last year's same months so far:
--                          last year's monthly profile scaled to this year's level. Needs the
--                          previous year delivered whole (int_delivery_whole_years) and paid
--                          something in its same months; otherwise null.
--   run_rate               the year so far / the delivered months of the year x the months of the
--                          year: the fallback, for the first delivered year.
-- forecast_dkk is the preferred method's figure (dbt var budget_forecast_method, default
-- previous_year_profile), the run rate where the profile gives none; forecast_method names the
-- method used. actual_dkk is the year's total when the delivered period covers the year whole
-- (null otherwise), so that the forecasts of past years can be measured against it
-- (planning.budget_forecast_backtest, which shows both methods whichever is preferred).
{%- set preferred = var('budget_forecast_method', 'previous_year_profile') %}
{%- if preferred not in ['previous_year_profile', 'run_rate'] %}
    {{ exceptions.raise_compiler_error(
        "var budget_forecast_method must be 'previous_year_profile' or 'run_rate', not '"
        ~ preferred ~ "'") }}
{%- endif %}
with months as (
    select * from {{ ref('int_budget_months') }}
),

whole_years as (
    select activity_year from {{ ref('int_delivery_whole_years') }}
),

year_totals as (
    select
        months.municipality_code,
        months.measure,
        months.activity_year,
        sum(months.amount_dkk) as total_dkk
    from months
    inner join whole_years
        on months.activity_year = whole_years.activity_year
    group by months.municipality_code, months.measure, months.activity_year
),

forecasts as (
    select
        months.*,
        previous_months.to_date_dkk as previous_year_to_date_dkk,
        previous_year.total_dkk as previous_year_total_dkk,
        case
            when previous_year.total_dkk is not null and previous_months.to_date_dkk > 0
                then
                    cast(months.to_date_dkk as double) * cast(previous_year.total_dkk as double)
                    / cast(previous_months.to_date_dkk as double)
        end as profile_forecast,
        cast(months.to_date_dkk as double) * months.months_in_year / months.months_known
            as run_rate_forecast,
        this_year.total_dkk as actual_dkk
    from months
    left join months as previous_months
        on
            months.municipality_code = previous_months.municipality_code
            and months.measure = previous_months.measure
            and months.activity_year - 1 = previous_months.activity_year
            and months.month_of_year = previous_months.month_of_year
    left join year_totals as previous_year
        on
            months.municipality_code = previous_year.municipality_code
            and months.measure = previous_year.measure
            and months.activity_year - 1 = previous_year.activity_year
    left join year_totals as this_year
        on
            months.municipality_code = this_year.municipality_code
            and months.measure = this_year.measure
            and months.activity_year = this_year.activity_year
)

select
    municipality_code,
    activity_year,
    month_of_year,
    month_start,
    months_in_year,
    months_known,
    measure,
    amount_dkk,
    to_date_dkk,
    cast(previous_year_to_date_dkk as {{ money_type() }}) as previous_year_to_date_dkk,
    cast(previous_year_total_dkk as {{ money_type() }}) as previous_year_total_dkk,
    cast(round(profile_forecast, 2) as {{ money_type() }}) as profile_forecast_dkk,
    cast(round(run_rate_forecast, 2) as {{ money_type() }}) as run_rate_forecast_dkk,
    {%- if preferred == 'previous_year_profile' %}
        cast(round(coalesce(profile_forecast, run_rate_forecast), 2) as {{ money_type() }})
            as forecast_dkk,
        case
            when profile_forecast is not null then 'previous_year_profile'
            else 'run_rate'
        end as forecast_method,
    {%- else %}
        cast(round(run_rate_forecast, 2) as {{ money_type() }}) as forecast_dkk,
        'run_rate' as forecast_method,
    {%- endif %}
    cast(actual_dkk as {{ money_type() }}) as actual_dkk,
    uses_illustrative_rules
from forecasts
