-- One rule, two readers: the discretion rule the analyst file and the reporting marts apply
-- (seeds/discretion_rules.csv, small_count) and the range the Great Expectations check verifies
-- (check_catalogue.csv, gx_small_numbers_suppressed) must be the same 1-4. A row here means one
-- was changed without the other.
select
    rules.lower_bound as rule_lower_bound,
    rules.upper_bound as rule_upper_bound,
    checks.lower_bound as check_lower_bound,
    checks.upper_bound as check_upper_bound
from {{ ref('discretion_rules') }} as rules
left join {{ ref('check_catalogue') }} as checks
    on
        checks.check_name = 'gx_small_numbers_suppressed'
        and checks.valid_to is null
where
    rules.rule_name = 'small_count'
    and rules.valid_to is null
    and (
        checks.check_name is null
        or rules.lower_bound != checks.lower_bound
        or rules.upper_bound != checks.upper_bound
    )
