{#-
    Small-number discretion of the reporting marts, in one place. `cells` has one row per cell:
    the `column_key` columns (which cells form one column of a table), period_start (date; which
    rule of seeds/discretion_rules.csv applies), geo_level, geo_code, parent_geo_code and
    observations (the citizens behind the cell). `levels` lists the geography levels from the top;
    each level's parent is the level before it. Adds:
        discretion_lower_bound, discretion_upper_bound, shown_as
                               the rule applied: hidden range and what a hidden cell shows (null =
                               no rule, which the model's not_null test turns into an error)
        is_primary_suppressed  observations within the seed's bounds (1-4); zero stays 0
        is_parent_suppressed   the parent's cell of the same column is hidden (in the end)
        suppressed_siblings    primary-hidden cells among the cells of the same column and parent
        partner_rank           order in which siblings are taken as partners: not primary first,
                               positive observations first, smallest first, then geo_code
        is_suppressed          hidden. Primary; or, level by level from the top, the partner that
                               keeps a hidden cell from being worked out by subtraction:
                               - parent shown and exactly one sibling primary-hidden: the parent
                                 minus the others would reveal it, so the next smallest is hidden;
                               - parent hidden (a partner itself) and no sibling hidden: the sum of
                                 the children would reveal the parent, so the smallest is hidden.
                               Each level reads the final state of its parent level.
-#}
{% macro suppress_small_counts(
    cells, column_key, levels=['country', 'region', 'health_council', 'municipality']
) -%}
    {%- set key -%}
        {%- for column in column_key %}judged.{{ column }}, {% endfor -%}
    {%- endset %}
    with rules as (
        {{ small_count_rules() }}
    ),

    judged as (
        select
            cells.*,
            rules.lower_bound as discretion_lower_bound,
            rules.upper_bound as discretion_upper_bound,
            rules.shown_as,
            {{ is_small_count('cells.observations', 'rules') }} as is_primary_suppressed
        from {{ cells }} as cells
        left join rules
            on {{ valid_on('rules', 'cells.period_start') }}
    ),

    level_{{ levels[0] }} as (
        select
            judged.*,
            false as is_parent_suppressed,
            case when judged.is_primary_suppressed then 1 else 0 end as suppressed_siblings,
            cast(1 as bigint) as partner_rank,
            judged.is_primary_suppressed as is_suppressed
        from judged
        where judged.geo_level = '{{ levels[0] }}'
    ),
    {%- for level in levels[1:] %}
        {%- set parent = levels[loop.index0] %}

        ranked_{{ level }} as (
            select
                judged.*,
                coalesce(parents.is_suppressed, false) as is_parent_suppressed,
                cast(sum(case when judged.is_primary_suppressed then 1 else 0 end) over (
                    partition by {{ key }}judged.parent_geo_code
                ) as integer) as suppressed_siblings,
                row_number() over (
                    partition by {{ key }}judged.parent_geo_code
                    order by
                        case when judged.is_primary_suppressed then 1 else 0 end,
                        case when judged.observations > 0 then 0 else 1 end,
                        judged.observations,
                        judged.geo_code
                ) as partner_rank
            from judged
            left join level_{{ parent }} as parents
                on
                    {% for column in column_key -%}
                        judged.{{ column }} = parents.{{ column }} and
                    {% endfor -%}
                    judged.parent_geo_code = parents.geo_code
            where judged.geo_level = '{{ level }}'
        ),

        level_{{ level }} as (
            select
                ranked_{{ level }}.*,
                (
                    ranked_{{ level }}.is_primary_suppressed
                    or (
                        ranked_{{ level }}.partner_rank = 1
                        and (
                            (
                                not ranked_{{ level }}.is_parent_suppressed
                                and ranked_{{ level }}.suppressed_siblings = 1
                            )
                            or (
                                ranked_{{ level }}.is_parent_suppressed
                                and ranked_{{ level }}.suppressed_siblings = 0
                            )
                        )
                    )
                ) as is_suppressed
            from ranked_{{ level }}
        ),
    {%- endfor %}

    all_levels as (
        {%- for level in levels %}
            {%- if not loop.first %}
                union all
            {%- endif %}
            select * from level_{{ level }}
        {%- endfor %}
    )

    select * from all_levels
{%- endmacro %}

{#-
    The primary discretion rule, written once: `observations` (the citizens behind a figure) lie
    within the hidden range of a row of seeds/discretion_rules.csv joined as `rules` (1-4); zero
    and no rule are not hidden. suppress_small_counts and the reporting marts with one row per
    figure use it.
-#}
{% macro is_small_count(observations, rules) -%}
    coalesce({{ observations }} between {{ rules }}.lower_bound and {{ rules }}.upper_bound, false)
{%- endmacro %}

{#- The rows of seeds/discretion_rules.csv that hide small counts, with their validity. -#}
{% macro small_count_rules() -%}
    select
        lower_bound,
        upper_bound,
        shown_as,
        valid_from,
        valid_to
    from {{ ref('discretion_rules') }}
    where rule_name = 'small_count'
{%- endmacro %}
