-- CPR residence periods [valid_from, valid_to) that passed base_medfin__residence, with the
-- municipality's name.
select
    residence.person_id,
    cast(residence.municipality_code as integer) as municipality_code,
    municipalities.municipality_name,
    residence.valid_from,
    residence.valid_to,
    residence.source_row_number,
    residence.delivery_month
from {{ ref('base_medfin__residence') }} as residence
left join {{ ref('municipalities') }} as municipalities
    on residence.municipality_code = municipalities.municipality_code
where residence.rejection_reason is null
