-- Grain: one row per DRG code and tariff year (drg_year): the course tariff, the length-of-stay
-- trim point and the day rate paid for bed-days beyond it. Money in the marts' type (money_type()).
select
    drg_code,
    drg_year,
    cast(tariff_dkk as {{ money_type() }}) as tariff_dkk,
    trim_point_days,
    cast(long_stay_day_rate_dkk as {{ money_type() }}) as long_stay_day_rate_dkk,
    status
from {{ ref('drg_catalogue') }}
