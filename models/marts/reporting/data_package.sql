-- Grain: table x period x area x breakdown value x measure (`count`, `per_1000`): the
-- health-council data packages in long format, as published (discretion applied). BI tools read
-- it directly; `medfin export datapakke` lays it out as one Excel workbook per council.
-- Per 1,000 citizens = 1,000 x the unsuppressed count / the citizens of the same area, period and
-- (for age bands, sex and age groups) the same column on 1 January, to one decimal; null where no
-- citizen lives. A hidden count hides its rate, and so does a hidden denominator (else count / rate
-- would give the hidden population back).
with judged as (
    select * from {{ ref('int_data_package_discretion') }}
),

cells as (
    select
        judged.*,
        coalesce(denominators.is_suppressed, false) as is_denominator_suppressed
    from judged
    left join judged as denominators
        on
            judged.denominator_table_id = denominators.table_id
            and judged.denominator_value = denominators.breakdown_value
            and judged.period = denominators.period
            and judged.geo_level = denominators.geo_level
            and judged.geo_code = denominators.geo_code
    where not judged.is_denominator
),

{% set text = "max(case when domain = '{}' and code = '{}' then label_da end)" %}
texts as (
    select
        {{ text.format('data_package_text', 'title_prefix') }} as title_prefix,
        {{ text.format('data_package_text', 'discretion_note') }} as discretion_template,
        {{ text.format('data_package_text', 'illustrative_note') }} as illustrative_note,
        {{ text.format('measure', 'per_1000') }} as per_1000_label
    from {{ ref('dim_label') }}
),

-- The notes of a table: the discretion note with the rule's numbers filled in, and the note on
-- illustrative rule values when any figure of the table in the period rests on one.
noted as (
    select
        cells.*,
        texts.title_prefix,
        texts.per_1000_label,
        replace(
            replace(
                replace(
                    texts.discretion_template, '{lower_bound}',
                    cast(cells.discretion_lower_bound as varchar)
                ),
                '{upper_bound}', cast(cells.discretion_upper_bound as varchar)
            ),
            '{shown_as}', cast(cells.shown_as as varchar)
        ) as discretion_note,
        case
            when
                max(case when cells.uses_illustrative_rule then 1 else 0 end)
                    over (partition by cells.table_id, cells.period)
                = 1
                then texts.illustrative_note
        end as rule_note
    from cells
    cross join texts
),

measures as (
    select
        noted.*,
        'count' as measure,
        noted.title_prefix || ' ' || noted.table_id || '. ' || noted.title_da as table_title,
        case when noted.is_suppressed then noted.shown_as else noted.count_value end as value
    from noted
    union all
    select
        noted.*,
        'per_1000' as measure,
        noted.title_prefix || ' ' || noted.table_id || '. ' || noted.title_da || ', '
        || lower(noted.per_1000_label) as table_title,
        case
            when noted.is_suppressed or noted.is_denominator_suppressed then noted.shown_as
            when noted.citizens > 0 then round(1000 * noted.count_value / noted.citizens, 1)
        end as value
    from noted
)

select
    table_id,
    table_no,
    table_sort,
    table_title,
    period,
    geo_level,
    geo_code,
    geo_name,
    parent_geo_code,
    geo_sort,
    breakdown,
    breakdown_value,
    breakdown_label,
    breakdown_sort,
    measure,
    unit,
    cast(value as {{ money_type() }}) as value,
    case
        when measure = 'per_1000' then is_suppressed or is_denominator_suppressed
        else is_suppressed
    end as is_suppressed,
    source_note_da as source_note,
    discretion_note,
    rule_note
from measures
