-- The standard population of the standardised rates is a year of the delivered population
-- (var standard_population_year, default the earliest year): a year the delivery does not hold
-- would leave every standardised rate empty, so it fails the build instead.
select count(*) as population_years
from {{ ref('fct_population') }}
having
    count(*) > 0
    and (select count(*) from {{ ref('int_standard_population') }}) = 0
