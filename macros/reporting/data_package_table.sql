{#-
    One table of the health-council data packages as cells: the rows of `facts` (a CTE or
    relation with period, activity_date, municipality_code, sex, age, uses_illustrative_rule and
    the columns `where`, `value` and `observations` use) counted in every area a municipality
    belongs to (CTE `geography`: municipality, council, region, country), per value of `breakdown`:
        age_band     the overlapping age bands of seeds/report_age_bands.csv (CTE `age_bands`)
        all          one column, for denominators
        <column>     a column of the facts (sex, report_area, specialty, category, ...)
    `value` and `observations` are aggregates; observations (how many units lie behind the cell)
    decide discretion, so a sum of kroner or days is hidden when 1-4 units are behind it.
    additive=true (counts and sums): aggregated per municipality first and then summed up the
    levels, which reads the facts once. additive=false (distinct citizens): each citizen once per
    municipality and column, then joined to every level, so that a citizen who moved within a
    council counts once in it; `value` and `observations` may use only facts.person_id.
-#}
{% macro data_package_table(
    table_id, facts, where, breakdown, value, observations, additive=true
) -%}
    {%- set breakdown_value -%}
        {%- if breakdown == 'age_band' -%}
            age_bands.age_band
        {%- elif breakdown == 'all' -%}
            'all'
        {%- else -%}
            cast(facts.{{ breakdown }} as varchar)
        {%- endif -%}
    {%- endset %}
    {%- set age_band_join %}
        {%- if breakdown == 'age_band' %}
            inner join age_bands
                on
                    facts.age >= age_bands.age_from
                    and (age_bands.age_to is null or facts.age <= age_bands.age_to)
                    and {{ valid_on('age_bands', 'facts.activity_date') }}
        {%- endif %}
    {%- endset %}
    {%- if additive %}
        select
            '{{ table_id }}' as table_id,
            by_municipality.period,
            geography.geo_level,
            geography.geo_code,
            by_municipality.breakdown_value,
            cast(sum(by_municipality.count_value) as {{ money_type() }}) as count_value,
            cast(sum(by_municipality.observations) as bigint) as observations,
            max(by_municipality.illustrative) = 1 as uses_illustrative_rule
        from (
            select
                facts.period,
                facts.municipality_code,
                {{ breakdown_value }} as breakdown_value,
                {{ value }} as count_value,
                {{ observations }} as observations,
                max(case when facts.uses_illustrative_rule then 1 else 0 end) as illustrative
            from {{ facts }} as facts
            {{ age_band_join }}
            where {{ where }}
            group by
                {%- if breakdown != 'all' %}
                    {{ breakdown_value }},
                {%- endif %}
                facts.period,
                facts.municipality_code
        ) as by_municipality
        inner join geography
            on by_municipality.municipality_code = geography.municipality_code
        group by
            by_municipality.breakdown_value,
            by_municipality.period,
            geography.geo_level,
            geography.geo_code
    {%- else %}
        select
            '{{ table_id }}' as table_id,
            by_citizen.period,
            geography.geo_level,
            geography.geo_code,
            by_citizen.breakdown_value,
            cast(
                {{ value | replace('facts.', 'by_citizen.') }} as {{ money_type() }}
            ) as count_value,
            cast({{ observations | replace('facts.', 'by_citizen.') }} as bigint) as observations,
            max(by_citizen.illustrative) = 1 as uses_illustrative_rule
        from (
            -- each citizen once per municipality and column before the join to every level
            select
                facts.period,
                facts.municipality_code,
                facts.person_id,
                {{ breakdown_value }} as breakdown_value,
                max(case when facts.uses_illustrative_rule then 1 else 0 end) as illustrative
            from {{ facts }} as facts
            {{ age_band_join }}
            where {{ where }}
            group by
                {%- if breakdown != 'all' %}
                    {{ breakdown_value }},
                {%- endif %}
                facts.period,
                facts.municipality_code,
                facts.person_id
        ) as by_citizen
        inner join geography
            on by_citizen.municipality_code = geography.municipality_code
        group by
            by_citizen.breakdown_value,
            by_citizen.period,
            geography.geo_level,
            geography.geo_code
    {%- endif %}
{%- endmacro %}
