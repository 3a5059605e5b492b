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
    levels, which reads the facts once. additive=false (distinct citizens, the only non-additive
    measure: value and observations count(distinct facts.person_id)): each citizen once per
    municipality and column, summed up the levels, less the repeats of citizens who moved between
    municipalities of one area, so that a citizen who moved within a council counts once in it.
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
                on {{ in_age_band('age_bands', 'facts.age', 'facts.activity_date') }}
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
        {%- if value != 'count(distinct facts.person_id)' or observations != value %}
            {{ exceptions.raise_compiler_error(
                "data_package_table " ~ table_id ~ ": additive=false counts distinct citizens"
                ~ " only (value and observations count(distinct facts.person_id))") }}
        {%- endif %}
        {#-
            Distinct citizens per area without a distinct count over every level: a citizen is one
            row per municipality (by_citizen), so an area's citizens are the sum of its
            municipalities' rows less, for each citizen in n > 1 of its municipalities (moved
            during the year), n - 1. Only those few citizens are joined to every level (a count
            distinct of the joined rows hashed 15 million person ids at region scale: 13 s).
        #}
        select * from (
            with by_citizen as (
                -- each citizen once per municipality and column
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
            ),

            per_area as (
                select
                    by_municipality.period,
                    geography.geo_level,
                    geography.geo_code,
                    by_municipality.breakdown_value,
                    sum(by_municipality.citizens) as citizens,
                    max(by_municipality.illustrative) as illustrative
                from (
                    select
                        period,
                        municipality_code,
                        breakdown_value,
                        count(*) as citizens,
                        max(illustrative) as illustrative
                    from by_citizen
                    group by period, municipality_code, breakdown_value
                ) as by_municipality
                inner join geography
                    on by_municipality.municipality_code = geography.municipality_code
                group by
                    by_municipality.period,
                    geography.geo_level,
                    geography.geo_code,
                    by_municipality.breakdown_value
            ),

            -- citizens in more than one municipality of the period and column (moved)
            moved as (
                select
                    period,
                    person_id,
                    breakdown_value
                from by_citizen
                group by period, person_id, breakdown_value
                having count(*) > 1
            ),

            -- an area holding n > 1 of a moved citizen's municipalities counts n - 1 too many
            repeats as (
                select
                    in_area.period,
                    in_area.geo_level,
                    in_area.geo_code,
                    in_area.breakdown_value,
                    sum(in_area.municipalities - 1) as repeated
                from (
                    select
                        by_citizen.period,
                        geography.geo_level,
                        geography.geo_code,
                        by_citizen.breakdown_value,
                        by_citizen.person_id,
                        count(*) as municipalities
                    from by_citizen
                    inner join moved
                        on
                            by_citizen.period = moved.period
                            and by_citizen.person_id = moved.person_id
                            and by_citizen.breakdown_value = moved.breakdown_value
                    inner join geography
                        on by_citizen.municipality_code = geography.municipality_code
                    group by
                        by_citizen.period,
                        geography.geo_level,
                        geography.geo_code,
                        by_citizen.breakdown_value,
                        by_citizen.person_id
                ) as in_area
                group by
                    in_area.period,
                    in_area.geo_level,
                    in_area.geo_code,
                    in_area.breakdown_value
            )

            select
                '{{ table_id }}' as table_id,
                per_area.period,
                per_area.geo_level,
                per_area.geo_code,
                per_area.breakdown_value,
                cast(per_area.citizens - coalesce(repeats.repeated, 0) as {{ money_type() }})
                    as count_value,
                cast(per_area.citizens - coalesce(repeats.repeated, 0) as bigint) as observations,
                per_area.illustrative = 1 as uses_illustrative_rule
            from per_area
            left join repeats
                on
                    per_area.period = repeats.period
                    and per_area.geo_level = repeats.geo_level
                    and per_area.geo_code = repeats.geo_code
                    and per_area.breakdown_value = repeats.breakdown_value
        ) as distinct_citizens
    {%- endif %}
{%- endmacro %}
