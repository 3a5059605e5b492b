{#-
    medfin_labelled_code: every non-null value of `column_name` is a code of `domain` in seed
    labels, the one list of the codes the marts carry (areas, rule areas, categories, ...), so a
    YAML file need not repeat the list in accepted_values. Fails with one row per unknown value
    and its number of rows.
-#}
{% test medfin_labelled_code(model, column_name, domain) %}

select
    {{ column_name }} as unknown_code,
    count(*) as row_count
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        select labels.code from {{ ref('labels') }} as labels
        where labels.domain = '{{ domain }}'
    )
group by {{ column_name }}

{% endtest %}
