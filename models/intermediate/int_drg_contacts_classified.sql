-- DRG contacts with their duration and whether each is an admission (seed admission_rules).
{{ classify_admissions(ref('stg_medfin__drg_contacts')) }}
