-- The financing models join billing units to residence on a date and rely on at most one period
-- matching: two periods of one person must not overlap ([valid_from, valid_to), null = open).
select
    earlier.person_id,
    earlier.valid_from as earlier_from,
    earlier.valid_to as earlier_to,
    later.valid_from as later_from
from {{ ref('stg_medfin__residence_periods') }} as earlier
inner join {{ ref('stg_medfin__residence_periods') }} as later
    on
        earlier.person_id = later.person_id
        and earlier.valid_from <= later.valid_from
        and earlier.source_row_number != later.source_row_number
where earlier.valid_to is null or earlier.valid_to > later.valid_from
