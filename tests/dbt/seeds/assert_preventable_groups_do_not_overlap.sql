-- No diagnosis lies in two code ranges of seeds/preventable_admission_groups.csv valid at the
-- same time (of one group or of two): an admission would count twice. Ranges of different
-- lengths (DK52 and DK590) are compared on the shorter length, where a code of both would meet.
with ranges as (
    select
        preventable_group,
        code_from,
        code_to,
        valid_from,
        valid_to,
        row_number() over (order by preventable_group, code_from, valid_from) as range_id
    from {{ ref('preventable_admission_groups') }}
),

pairs as (
    select
        first_range.preventable_group,
        first_range.code_from,
        first_range.code_to,
        second_range.preventable_group as other_group,
        second_range.code_from as other_code_from,
        second_range.code_to as other_code_to,
        least(length(first_range.code_from), length(second_range.code_from)) as compared_length
    from ranges as first_range
    inner join ranges as second_range
        on
            first_range.range_id < second_range.range_id
            and (second_range.valid_to is null or first_range.valid_from < second_range.valid_to)
            and (first_range.valid_to is null or first_range.valid_to > second_range.valid_from)
)

select *
from pairs
where
    substring(code_from, 1, compared_length) <= substring(other_code_to, 1, compared_length)
    and substring(other_code_from, 1, compared_length) <= substring(code_to, 1, compared_length)
