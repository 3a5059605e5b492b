-- Every row of raw epj_contacts, judged once: the contract's rules (listed in _base__models.yml)
-- and these, which need seeds or several columns: the region and site in the seeds.
{{ staging_checked('epj_contacts', [
    ['invalid_code', 'region_code', unknown_region()],
    ['invalid_code', 'sor_code', unknown_site()],
]) }}
