-- Grain: paying municipality x year delivered whole x month cut x measure x forecast method: how
-- far the year-end forecast made at the end of each month (intermediate.int_budget_forecasts)
-- was from the year's actual total, for every past year of the delivery and both methods (the
-- profile method only where the previous year was delivered whole). The last month of the year
-- is left out: its forecast is the total itself. Measures the error of the follow-up's forecasts
-- (docs/indicators-planning.md#budget-follow-up).
with forecasts as (
    select * from {{ ref('int_budget_forecasts') }}
    where actual_dkk is not null and months_known < months_in_year
),

-- one row per method that gave a forecast (the profile needs a whole previous year)
by_method as (
    {%- for method, column in [
        ('previous_year_profile', 'profile_forecast_dkk'), ('run_rate', 'run_rate_forecast_dkk')
    ] %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            municipality_code,
            activity_year,
            month_start,
            months_known,
            measure,
            '{{ method }}' as forecast_method,
            {{ column }} as forecast_dkk,
            actual_dkk
        from forecasts
        where {{ column }} is not null
    {%- endfor %}
)

select
    by_method.municipality_code,
    municipalities.municipality_name,
    by_method.activity_year,
    by_method.month_start as forecast_month,
    by_method.months_known,
    by_method.measure,
    by_method.forecast_method,
    method_names.label_da as forecast_method_name_da,
    method_names.label_en as forecast_method_name_en,
    by_method.forecast_dkk,
    by_method.actual_dkk,
    cast(by_method.forecast_dkk - by_method.actual_dkk as {{ money_type() }}) as error_dkk,
    cast(
        round(
            abs(cast(by_method.forecast_dkk - by_method.actual_dkk as double))
            / nullif(by_method.actual_dkk, 0),
            6
        ) as {{ rate_type() }}
    ) as absolute_error_share
from by_method
left join {{ ref('dim_municipality') }} as municipalities
    on by_method.municipality_code = municipalities.municipality_code
{{ join_label('forecast_method', 'by_method.forecast_method', 'method_names') }}
