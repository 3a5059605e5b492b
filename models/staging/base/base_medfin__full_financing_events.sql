-- Every row of raw full_financing_events, judged once: the contract's rules (listed in
-- _base__models.yml) and these, which need seeds or several columns: the region and site in the
-- seeds; a rehabilitation group exactly for specialised rehabilitation.
{{ staging_checked('full_financing_events', [
    ['invalid_code', 'region_code', unknown_region()],
    [
        'invalid_code', 'rehab_group',
        "case when category = 'genoptraening_specialiseret' then rehab_group is null"
        ~ " else rehab_group is not null end",
    ],
    ['invalid_code', 'sor_code', unknown_site()],
]) }}
