{#-
    Age in completed years on a date. The birthday counts from the day itself; someone born on
    29 February becomes a year older on 1 March in common years (the month-day of the date must
    reach 02-29). Built from dbt's cross-database datediff and extract, so it runs on Spark too.
-#}
{% macro completed_years(birth_date, on_date) -%}
    (
        {{ dbt.datediff(birth_date, on_date, 'year') }}
        - case
            when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}
