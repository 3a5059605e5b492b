{#-
    Contacts of a relation with their duration and whether they are admissions: a contact whose
    type matches a row of the seed admission_rules valid on its start date and that lasts at least
    that row's min_duration_hours (12 hours for ALCA00 physical attendance). admission_rule_status
    is that row's status (null when no rule applies).
-#}
{% macro classify_admissions(contacts_relation) -%}
    select
        contacts.*,
        {{ dbt.datediff('contacts.contact_start', 'contacts.contact_end', 'minute') }}
            as duration_minutes,
        coalesce(
            {{ dbt.datediff('contacts.contact_start', 'contacts.contact_end', 'minute') }}
            >= rules.min_duration_hours * 60,
            false
        ) as is_admission,
        rules.status as admission_rule_status
    from {{ contacts_relation }} as contacts
    left join {{ ref('admission_rules') }} as rules
        on
            contacts.contact_type = rules.contact_type
            and {{ valid_on('rules', 'cast(contacts.contact_start as date)') }}
{%- endmacro %}

{#- Calendar days an admission touches; [start, end) so an end at midnight does not count. -#}
{% macro bed_days(start_column, end_column) -%}
    (
        {{ dbt.datediff(
            'cast(' ~ start_column ~ ' as date)',
            'cast(' ~ dbt.dateadd('minute', -1, end_column) ~ ' as date)',
            'day'
        ) }} + 1
    )
{%- endmacro %}
