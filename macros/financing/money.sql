{#-
    Money in marts is DECIMAL(18,2), written here once: every model casts money with money_type(),
    never with a literal type. The contracts (data_type in the models' YAML) state the same type,
    and dbt's contract enforcement fails the build of any contracted mart whose type drifts from
    it. Co-financing of one billing unit is the share of its basis, rounded half away from zero to
    whole øre, then capped (docs/financing-rules.md).
-#}
{% macro money_type() -%}
    decimal(18, 2)
{%- endmacro %}

{% macro co_financing_amount(basis, share, cap) -%}
    case
        when {{ cap }} is not null and round({{ basis }} * {{ share }}, 2) > {{ cap }}
            then cast({{ cap }} as {{ money_type() }})
        else cast(round({{ basis }} * {{ share }}, 2) as {{ money_type() }})
    end
{%- endmacro %}

{#- An amount per citizen, rounded to the øre; null when there is no population. -#}
{% macro money_per_citizen(amount, population) -%}
    cast(round(coalesce({{ amount }}, 0) / nullif({{ population }}, 0), 2) as {{ money_type() }})
{%- endmacro %}

{#-
    Rates and ratios in the planning marts (per citizen, per 1,000 citizens, standardised rates,
    their ratio, a forecast's error): DECIMAL(18,6), written here once like money_type(), so that
    a rate is exact to six decimals and a rebuild gives the same bytes (a double's last digits
    depend on the order of a parallel sum).
-#}
{% macro rate_type() -%}
    decimal(18, 6)
{%- endmacro %}

{#-
    Fractional figures that must add up to the same total in any order: DuckDB sums doubles in the
    order its threads deliver the rows, so two builds of the same data may differ in the last bit.
    A value is computed (as a double) and cast to this type row by row; its sums are exact (the
    demographic projection's expected figures, docs/projection.md).
-#}
{% macro fraction_type() -%}
    decimal(38, 12)
{%- endmacro %}
