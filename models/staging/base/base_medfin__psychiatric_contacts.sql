-- Every row of raw psychiatric_contacts, judged once: the contract's rules (listed in
-- _base__models.yml) and these, which need seeds or several columns: the site and municipality in
-- the seeds; the contact's order.
{{ staging_checked('psychiatric_contacts', [
    ['invalid_code', 'sor_code', unknown_site()],
    ['end_before_start', 'end_ts', 'end_ts < start_ts'],
    ['unknown_municipality', 'municipality_code', unknown_municipality()],
]) }}
