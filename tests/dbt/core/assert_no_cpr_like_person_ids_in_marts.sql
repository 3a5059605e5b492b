-- Privacy: person ids are pseudonyms. No value that breaks the contract's person_id rule (not
-- pseudonym-shaped, or a CPR number however disguised) may reach a mart; staging quarantines such
-- rows, this proves it held for every mart with a person_id. Each distinct id is judged once (the
-- rule is two regular expressions; the facts repeat an id many times: 7.5 s instead of 12 s at
-- region scale).
{% set person_marts = [
    'fct_drg_courses', 'fct_contacts', 'fct_psychiatric_stays', 'fct_practice_services',
    'fct_co_financing', 'fct_full_financing'
] %}

{% for mart in person_marts %}
    select
        '{{ mart }}' as mart,
        person_id
    from (select distinct person_id from {{ ref(mart) }})
    where {{ staging_person_id_breaks_rule() }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
