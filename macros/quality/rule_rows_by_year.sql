{#-
    rule_rows_by_year(years): one text row per rule seed row that applies to an activity year of
    `years` (a relation or CTE with `activity_year`): (activity_year, rule_row). Hashing the ordered
    rows gives a fingerprint of the rules behind a year's figures, so a changed total can be told
    apart from a changed rule. Seeds with validity periods apply when the period overlaps the year;
    yearly tariff seeds when their year is the activity year.
-#}
{#- year_start(year): 1 January of an integer year, as a date (portable: text, then cast). -#}
{% macro year_start(year) -%}
    cast({{ dbt.concat(["cast(" ~ year ~ " as " ~ dbt.type_string() ~ ")", "'-01-01'"]) }} as date)
{%- endmacro %}

{% macro _rule_text(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do parts.append("';'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{% macro rule_rows_by_year(years) -%}
    {%- set periodic = {
        'co_financing_rules': [
            'r.area', 'r.provider_kind', 'r.age_group', 'r.share', 'r.cap_dkk', 'r.cap_unit',
        ],
        'age_groups': ['r.age_group', 'r.age_from', 'r.age_to'],
        'admission_rules': ['r.contact_type', 'r.min_duration_hours'],
    } -%}
    {%- set yearly = {
        'full_financing_tariffs': (
            'year', ['r.category', 'r.rehab_group', 'r.unit', 'r.tariff_dkk'],
        ),
        'psychiatric_tariffs': ('year', ['r.kind', 'r.tariff_dkk']),
        'drg_catalogue': (
            'drg_year',
            ['r.drg_code', 'r.tariff_dkk', 'r.trim_point_days', 'r.long_stay_day_rate_dkk'],
        ),
    } -%}
    {%- set first_day = year_start('y.activity_year') -%}
    {%- for seed, columns in periodic.items() %}
    select
        y.activity_year,
        {{ _rule_text(["'" ~ seed ~ "'", 'r.valid_from', 'r.valid_to'] + columns) }} as rule_row
    from {{ years }} as y
    inner join {{ ref(seed) }} as r
        on
            r.valid_from < {{ dbt.dateadd('year', 1, first_day) }}
            and (r.valid_to is null or r.valid_to > {{ first_day }})
    union all
    {%- endfor %}
    {%- for seed, spec in yearly.items() %}
    select
        y.activity_year,
        {{ _rule_text(["'" ~ seed ~ "'", 'r.' ~ spec[0]] + spec[1]) }} as rule_row
    from {{ years }} as y
    inner join {{ ref(seed) }} as r on r.{{ spec[0] }} = y.activity_year
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
