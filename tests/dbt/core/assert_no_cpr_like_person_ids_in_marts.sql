-- Privacy: person ids are pseudonyms. No value shaped like a CPR number (ddmmyy-ssss, with or
-- without the dash) may reach a mart; staging quarantines such rows, this proves it held.
{% set person_marts = [
    'fct_drg_courses', 'fct_contacts', 'fct_psychiatric_stays', 'fct_practice_services',
    'fct_co_financing', 'fct_full_financing'
] %}

{% for mart in person_marts %}
    select
        '{{ mart }}' as mart,
        person_id
    from {{ ref(mart) }}
    where {{ matches_regex('person_id', '^[0-9]{6}-?[0-9]{4}$') }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
