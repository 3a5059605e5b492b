{#-
    One table of the health-council data packages as cells: the facts relation `facts` (columns
    period, activity_date, municipality_code, sex, age, ... as int_data_package_activity) filtered by
    `where`, counted in every area a municipality belongs to (CTE `geography`: municipality,
    council, region, country), per value of `breakdown`:
        age_band     the overlapping age bands of seeds/report_age_bands.csv (CTE `age_bands`)
        all          one column, for denominators
        <column>     a column of the facts (sex, report_area, specialty, category, ...)
    `value` and `observations` are aggregates; observations (how many units lie behind the cell)
    decide discretion, so a sum of kroner or days is hidden when 1-4 units are behind it.
-#}
{% macro data_package_table(table_id, facts, where, breakdown, value, observations) -%}
    select
        '{{ table_id }}' as table_id,
        facts.period,
        geography.geo_level,
        geography.geo_code,
        {%- if breakdown == 'age_band' %}
            age_bands.age_band as breakdown_value,
        {%- elif breakdown == 'all' %}
            'all' as breakdown_value,
        {%- else %}
            cast(facts.{{ breakdown }} as varchar) as breakdown_value,
        {%- endif %}
        cast({{ value }} as decimal(18, 2)) as count_value,
        cast({{ observations }} as bigint) as observations,
        max(case when facts.uses_illustrative_rule then 1 else 0 end) = 1 as uses_illustrative_rule
    from {{ facts }} as facts
    inner join geography
        on facts.municipality_code = geography.municipality_code
    {%- if breakdown == 'age_band' %}
        inner join age_bands
            on
                facts.age >= age_bands.age_from
                and (age_bands.age_to is null or facts.age <= age_bands.age_to)
                and {{ valid_on('age_bands', 'facts.activity_date') }}
    {%- endif %}
    where {{ where }}
    group by
        {%- if breakdown == 'age_band' %}
            age_bands.age_band,
        {%- elif breakdown != 'all' %}
            cast(facts.{{ breakdown }} as varchar),
        {%- endif %}
        facts.period,
        geography.geo_level,
        geography.geo_code
{%- endmacro %}
