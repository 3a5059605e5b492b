-- Days whose calendar facts are known by hand (Danish calendar): fails with every day that
-- disagrees. Python tests check more of them against the built warehouse.
with known (date_day, iso_weekday, is_working_day, working_day_of_month) as (
    values
    (cast('2021-01-01' as date), 5, false, null),  -- Nytårsdag, a Friday
    (cast('2021-01-04' as date), 1, true, 1),  -- first working day of January 2021
    (cast('2021-04-05' as date), 1, false, null),  -- Anden påskedag
    (cast('2021-06-05' as date), 6, false, null),  -- Grundlovsdag on a Saturday
    (cast('2022-06-06' as date), 1, false, null),  -- Anden pinsedag
    (cast('2023-05-05' as date), 5, false, null),  -- Store bededag, last year
    (cast('2024-04-26' as date), 5, true, 19),  -- no Store bededag from 2024
    (cast('2024-12-24' as date), 2, true, 17)  -- Juleaftensdag: optional, a working day
)

select
    known.date_day,
    known.is_working_day as expected_working_day,
    dim_date.is_working_day,
    known.working_day_of_month as expected_working_day_of_month,
    dim_date.working_day_of_month
from known
left join {{ ref('dim_date') }} as dim_date
    on known.date_day = dim_date.date_day
where
    dim_date.date_day is null
    or dim_date.iso_weekday <> known.iso_weekday
    or dim_date.is_working_day <> known.is_working_day
    or coalesce(dim_date.working_day_of_month, -1) <> coalesce(known.working_day_of_month, -1)
