-- How far the budget follow-up's year-end forecasts were from the year's total, on the past years
-- of the warehouse: the mean absolute error in per cent of the total, by forecast method, measure
-- and months known when the forecast was made (planning.budget_forecast_backtest;
-- docs/indicators-planning.md#budget-follow-up).
-- dbt compile --select budget_forecast_error
-- then run the compiled SQL from target/compiled/ against either published file (read-only).
-- The profile method needs a previous year delivered whole: with one year only the run rate shows.
select
    forecast_method,
    measure,
    months_known,
    count(*) as forecasts,
    round(100 * avg(absolute_error_share), 1) as mean_error_pct,
    round(100 * max(absolute_error_share), 1) as max_error_pct
from {{ ref('budget_forecast_backtest') }}
where actual_dkk > 0
group by forecast_method, measure, months_known
order by forecast_method, measure, months_known
