-- Grain: publishing system x period month (stg_medfin__delivery_log). The deadline is the rule's
-- day of the month (seed publication_deadline_rules: the system's own row, else the default row
-- with an empty system), moved to the next Danish working day when the rule says so (dim_date).
-- days_late = published_on - deadline (negative = early); no publication = missed.
with log as (
    select
        system,
        period_month,
        published_on
    from {{ ref('stg_medfin__delivery_log') }}
),

rules as (
    select * from {{ ref('publication_deadline_rules') }}
),

applied as (
    select
        log.system,
        log.period_month,
        log.published_on,
        coalesce(own.day_of_month, fallback.day_of_month) as day_of_month,
        coalesce(own.roll_to_working_day, fallback.roll_to_working_day) as roll_to_working_day
    from log
    left join rules as own
        on
            log.system = own.system
            and {{ valid_on('own', 'log.period_month') }}
    left join rules as fallback
        on
            fallback.system is null
            and {{ valid_on('fallback', 'log.period_month') }}
),

nominal as (
    select
        *,
        cast({{ dbt.dateadd('day', 'day_of_month - 1', 'period_month') }} as date)
            as nominal_deadline
    from applied
),

-- The next working day on or after the nominal deadline: a join and min() rather than a
-- correlated subquery with a non-equality predicate (Spark before 3.4 rejects those). A left join,
-- so a deadline beyond dim_date's range shows as null and fails the not_null test.
next_working_days as (
    select
        nominal.system,
        nominal.period_month,
        min(calendar_days.date_day) as next_working_day
    from nominal
    left join {{ ref('dim_date') }} as calendar_days
        on
            nominal.nominal_deadline <= calendar_days.date_day
            and calendar_days.is_working_day
    group by nominal.system, nominal.period_month
),

deadlines as (
    select
        nominal.system,
        nominal.period_month,
        nominal.published_on,
        case
            when nominal.roll_to_working_day then next_working_days.next_working_day
            else nominal.nominal_deadline
        end as deadline
    from nominal
    inner join next_working_days
        on
            nominal.system = next_working_days.system
            and nominal.period_month = next_working_days.period_month
)

select
    system,
    cast(period_month as date) as period_month,
    cast(deadline as date) as deadline,
    cast(published_on as date) as published_on,
    cast(
        {{ dbt.datediff('deadline', 'published_on', 'day') }} as integer  -- noqa: LT05
    ) as days_late,
    case
        when published_on is null then 'missed'
        when published_on <= deadline then 'on_time'
        else 'late'
    end as status
from deadlines
