-- Grain: region (of residence) x year x criterion of proximity financing (nærhedsfinansiering):
-- each criterion's value against the region's previous year, in the direction of seed
-- proximity_financing_criteria; per region and year the number of criteria met, the share of the
-- pool kept (seed proximity_financing_shares: the row with the largest min_criteria_met not above
-- it) and the amount kept of the region's pool (seed proximity_financing_pool). The comparison
-- cross-multiplies numerators and denominators (exact; equal is not met). Without a previous year
-- in the warehouse nothing is compared: is_met, criteria_met, the share and the amount are null,
-- never a fake comparison. A criterion without a value (no denominator) in either year is not met.
with criteria as (
    select
        values_by_year.region_code,
        values_by_year.activity_year,
        values_by_year.criterion,
        values_by_year.numerator,
        values_by_year.denominator,
        values_by_year.uses_illustrative_rules as value_illustrative,
        definitions.criterion_no,
        definitions.title_da,
        definitions.title_en,
        definitions.better_when,
        definitions.status
    from {{ ref('int_proximity_criteria') }} as values_by_year
    inner join {{ ref('proximity_financing_criteria') }} as definitions
        on
            values_by_year.criterion = definitions.criterion
            and {{ valid_on('definitions', year_start('values_by_year.activity_year')) }}
),

compared as (
    select
        criteria.*,
        previous.numerator as previous_numerator,
        previous.denominator as previous_denominator,
        previous.region_code is not null as has_previous_year,
        case
            when previous.region_code is null then null
            when criteria.denominator = 0 or previous.denominator = 0 then false
            when criteria.better_when = 'lower'
                then
                    criteria.numerator * previous.denominator
                    < previous.numerator * criteria.denominator
            when criteria.better_when = 'higher'
                then
                    criteria.numerator * previous.denominator
                    > previous.numerator * criteria.denominator
        end as is_met
    from criteria
    left join {{ ref('int_proximity_criteria') }} as previous
        on
            criteria.region_code = previous.region_code
            and criteria.criterion = previous.criterion
            and criteria.activity_year = previous.activity_year + 1
),

per_region as (
    select
        region_code,
        activity_year,
        case
            when max(case when has_previous_year then 1 else 0 end) = 1
                then sum(case when is_met then 1 else 0 end)
        end as criteria_met,
        max(
            case when status = 'illustrative' or value_illustrative then 1 else 0 end
        ) = 1 as criteria_illustrative
    from compared
    group by region_code, activity_year
),

-- the rows of the share seed a region's criteria met reach; the largest min_criteria_met applies
shares as (
    select
        per_region.region_code,
        per_region.activity_year,
        rules.share_kept,
        rules.status,
        row_number() over (
            partition by per_region.region_code, per_region.activity_year
            order by rules.min_criteria_met desc
        ) as share_rank
    from per_region
    inner join {{ ref('proximity_financing_shares') }} as rules
        on
            per_region.criteria_met >= rules.min_criteria_met
            and {{ valid_on('rules', year_start('per_region.activity_year')) }}
),

kept as (
    select
        per_region.*,
        shares.share_kept,
        shares.status as share_status,
        pool.pool_dkk,
        pool.status as pool_status
    from per_region
    left join shares
        on
            per_region.region_code = shares.region_code
            and per_region.activity_year = shares.activity_year
            and shares.share_rank = 1
    left join {{ ref('proximity_financing_pool') }} as pool
        on
            per_region.region_code = pool.region_code
            and per_region.activity_year = pool.year
)

select
    compared.region_code,
    regions.region_name,
    compared.activity_year,
    compared.criterion_no,
    compared.criterion,
    compared.title_da,
    compared.title_en,
    compared.better_when,
    compared.numerator,
    compared.denominator,
    cast(compared.numerator / nullif(compared.denominator, 0) as double) as criterion_value,
    compared.previous_numerator,
    compared.previous_denominator,
    cast(compared.previous_numerator / nullif(compared.previous_denominator, 0) as double)
        as previous_value,
    compared.is_met,
    cast(kept.criteria_met as integer) as criteria_met,
    cast(kept.share_kept as double) as pool_share_kept,
    kept.pool_dkk,
    cast(round(kept.pool_dkk * kept.share_kept, 2) as {{ money_type() }}) as pool_kept_dkk,
    (
        kept.criteria_illustrative
        or coalesce(kept.share_status = 'illustrative', false)
        or coalesce(kept.pool_status = 'illustrative', false)
    ) as uses_illustrative_rules
from compared
inner join kept
    on
        compared.region_code = kept.region_code
        and compared.activity_year = kept.activity_year
left join {{ ref('regions') }} as regions
    on compared.region_code = regions.region_code
