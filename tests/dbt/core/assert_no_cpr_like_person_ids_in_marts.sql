-- Privacy: person ids are pseudonyms. No value that breaks the contract's person_id rule (not
-- pseudonym-shaped, or a CPR number however disguised) may reach a mart; staging quarantines such
-- rows, this proves it held for every mart with a person_id.
{% set person_marts = [
    'fct_drg_courses', 'fct_contacts', 'fct_psychiatric_stays', 'fct_practice_services',
    'fct_co_financing', 'fct_full_financing'
] %}

{% for mart in person_marts %}
    select
        '{{ mart }}' as mart,
        person_id
    from {{ ref(mart) }}
    where {{ staging_person_id_breaks_rule() }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
