{#-
    Small-number discretion of the reporting marts, in one place. `cells` is a relation with one
    row per published cell: the columns in `column_key` (which cells form one column of a table),
    period_start (date; which rule of seeds/discretion_rules.csv applies), geo_level, geo_code,
    parent_geo_code and observations (the units behind the cell). Adds:
        shown_as               what a hidden cell shows (the seed's value; null = no rule, which
                               the not_null test of the model using this macro turns into an error)
        is_primary_suppressed  observations within the seed's bounds (1-4); zero stays 0
        suppressed_siblings    primary-suppressed cells among the same column's cells of the same
                               level and parent
        is_suppressed          primary, or the secondary partner: when exactly one cell of a parent
                               (e.g. one municipality of a health council) is hidden in a column,
                               the published parent minus the others would reveal it, so the
                               sibling with the next smallest observations (positive ones first,
                               then by geo_code) is hidden too, unless the parent itself is
                               hidden. Applied to the `child_levels`.
        is_parent_suppressed   the parent's cell is primary-suppressed
-#}
{% macro suppress_small_counts(cells, column_key, child_levels=['municipality']) -%}
    with rules as (
        select
            lower_bound,
            upper_bound,
            shown_as,
            valid_from,
            valid_to
        from {{ ref('discretion_rules') }}
        where rule_name = 'small_count'
    ),

    judged as (
        select
            cells.*,
            rules.shown_as,
            coalesce(
                cells.observations between rules.lower_bound and rules.upper_bound, false
            ) as is_primary_suppressed
        from {{ cells }} as cells
        left join rules
            on {{ valid_on('rules', 'cells.period_start') }}
    ),

    -- The parent's own cell (the council of a municipality): when it is hidden too, nothing can
    -- be subtracted from it and no partner is needed.
    parents as (
        select
            {% for column in column_key %}{{ column }}, {% endfor -%}
            geo_level,
            geo_code,
            is_primary_suppressed
        from judged
    ),

    siblings as (
        select
            judged.*,
            coalesce(parents.is_primary_suppressed, false) as is_parent_suppressed,
            sum(case when judged.is_primary_suppressed then 1 else 0 end) over (
                partition by {% for column in column_key %}judged.{{ column }}, {% endfor -%}
                judged.geo_level, judged.parent_geo_code
            ) as suppressed_siblings,
            row_number() over (
                partition by {% for column in column_key %}judged.{{ column }}, {% endfor -%}
                judged.geo_level, judged.parent_geo_code
                order by
                    case when judged.is_primary_suppressed then 1 else 0 end,
                    case when judged.observations > 0 then 0 else 1 end,
                    judged.observations,
                    judged.geo_code
            ) as partner_rank
        from judged
        left join parents
            on
                {% for column in column_key %}judged.{{ column }} = parents.{{ column }}
                and {% endfor -%}
                judged.parent_geo_code = parents.geo_code
                and judged.geo_level != parents.geo_level
    )

    select
        siblings.*,
        (
            siblings.is_primary_suppressed
            or (
                siblings.geo_level in ({% for level in child_levels %}'{{ level }}'{{ ", " if not loop.last }}{% endfor %})
                and siblings.suppressed_siblings = 1
                and siblings.partner_rank = 1
                and not siblings.is_parent_suppressed
            )
        ) as is_suppressed
    from siblings
{%- endmacro %}
