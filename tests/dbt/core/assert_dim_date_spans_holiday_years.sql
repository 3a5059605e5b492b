-- dim_date holds every day, without a gap, from 1 January of the first year of seed
-- danish_public_holidays to 31 December of its last: the span comes from the seed, so extending
-- the seed (scripts/make_holiday_seed.py) extends the calendar. Fails with the expected and the
-- actual span.
{%- set last_year_start = 'max(' ~ dbt.date_trunc('year', 'date') ~ ')' %}
{%- set expected_days = dbt.datediff('expected.first_day', 'expected.last_day', 'day') %}

with expected as (
    select
        cast(min({{ dbt.date_trunc('year', 'date') }}) as date) as first_day,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, last_year_start)) }} as date)
            as last_day
    from {{ ref('danish_public_holidays') }}
),

actual as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day,
        count(*) as day_count,
        count(distinct date_day) as distinct_day_count
    from {{ ref('dim_date') }}
)

select
    expected.first_day as expected_first_day,
    expected.last_day as expected_last_day,
    actual.first_day,
    actual.last_day,
    actual.day_count,
    actual.distinct_day_count
from expected
cross join actual
where
    actual.first_day is null
    or actual.first_day <> expected.first_day
    or actual.last_day <> expected.last_day
    or actual.day_count <> actual.distinct_day_count
    or actual.day_count <> {{ expected_days }} + 1
