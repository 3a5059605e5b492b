{#-
    The staging rules: THE one place that says which raw rows staging accepts.

    staging_spec(table) describes one contract table (src/medfin/contract/raw_extract_v1.json):
      key       the contract key (columns), or none
      columns   every contract column in contract order with its normaliser:
                  'trim'  nullif(trim(x), '')            identifiers and free text
                  'upper' upper(nullif(trim(x), ''))     codes the contract writes in upper case
                  'lower' lower(nullif(trim(x), ''))     codes the contract writes in lower case
                  none    the typed value as read        numbers, dates, timestamps, money
      money     the money columns (judged by staging_rules for range and precision)
      not_null  the columns the contract marks not nullable
      rules     the table's own rules, [reason, column, condition]: the row breaks the rule when
                the SQL condition (over the normalised columns) is true

    staging_rules(table) adds the rules every table gets from its spec and returns the full list
    in the order of docs/staging-interface.md (stable within a reason: contract column order):
      null_key            a not-null key column or `*_id` column is null
      missing_value       another not-null column is null
      cpr_like_person_id  person_id is not a pseudonym (the contract's person_id_pattern) or holds
                          a CPR number however disguised (staging_person_id_breaks_rule)
      duplicate_key       the key occurs more than once among rows with a complete key
      out_of_range        a money column beyond the contract's DECIMAL(14,2) (a float in Parquet)
      excess_precision    a money column with more than two decimals (øre): CSV money is read
                          wider than the contract type and Parquet money may be a float, so the
                          value reaches staging unrounded (contract csv.money_read_type)
    staging_checked(table) (staging_checked.sql) evaluates the list once per row; the staging model
    keeps the rows no rule rejects, stg_medfin__quarantine the others with the first rule broken.

    Conditions may assume that not-null columns are not null (null rules come first); a condition
    on a nullable column must handle null itself (a null comparison is never a rejection).
-#}

{% macro staging_rejection_reasons() -%}
    {{ return([
        'null_key',
        'missing_value',
        'cpr_like_person_id',
        'duplicate_key',
        'invalid_code',
        'negative_value',
        'out_of_range',
        'excess_precision',
        'end_before_start',
        'unknown_municipality',
    ]) }}
{%- endmacro %}


{#- Condition helpers: each renders "the value breaks the rule". -#}

{% macro _stg_not_in(column, values) -%}
    {{ column }} not in ('{{ values | join("', '") }}')
{%- endmacro %}

{% macro _stg_not_matching(column, pattern) -%}
    not regexp_matches({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro _stg_not_in_seed(column, seed, seed_column) -%}
    {{ column }} not in (select {{ seed_column }} from {{ ref(seed) }})
{%- endmacro %}

{% macro _stg_unknown_region(column='region_code') -%}
    {{ _stg_not_in_seed(column, 'regions', 'region_code') }}
{%- endmacro %}

{% macro _stg_unknown_site(column='sor_code') -%}
    {{ _stg_not_in_seed(column, 'treatment_sites', 'sor_code') }}
{%- endmacro %}

{% macro _stg_unknown_municipality(column='municipality_code') -%}
    {{ _stg_not_in_seed(column, 'municipalities', 'municipality_code') }}
{%- endmacro %}

{#- Years are cast to integer in staging; a year outside 1900-2100 is no year of this data. -#}
{% macro _stg_not_a_year(column) -%}
    {{ column }} not between 1900 and 2100
{%- endmacro %}

{#-
    A birth date is out of range when the person would be older than the contract's maximum age
    at the extract, or is born after it (year 1, 1800 and 9999 were financed as 80+ before).
    The extract time is the manifest's, from the delivery audit: the same delivery always gets
    the same verdict, whatever day it is built.
-#}
{% macro _stg_implausible_birth_date(column, maximum_age) -%}
    {%- set extracted -%}
        (select cast(max(extracted_at) as date) from {{ ref('stg_medfin_build__delivery_audit') }})
    {%- endset -%}
    ({{ column }} > {{ extracted }}
        or {{ column }} < {{ dbt.dateadd('year', -maximum_age, extracted) }})
{%- endmacro %}

{#- Counts and quantities staged as integer must also fit one. -#}
{% macro _stg_outside(column, low, high=2147483647) -%}
    {{ column }} not between {{ low }} and {{ high }}
{%- endmacro %}


{% macro staging_spec(table) -%}
    {#- Patterns and allowed values as in the contract. -#}
    {%- set drg_pattern = '^[0-9]{2}[A-Z]{2}[0-9]{2}$' -%}
    {%- set sks_diagnosis_pattern = '^D[A-Z][0-9]{2}[0-9A-Z]{0,4}$' -%}
    {%- set sks_procedure_pattern = '^[A-Z][A-Z0-9]{3,7}$' -%}
    {%- set sexes = ['M', 'K'] -%}
    {%- set contact_types = ['ALCA00', 'ALCA03', 'ALCA10'] -%}
    {%- set priorities = ['ATA1', 'ATA3'] -%}
    {%- set full_financing_categories = [
        'faerdigbehandlet_somatik',
        'faerdigbehandlet_psykiatri',
        'hospice',
        'genoptraening_specialiseret',
    ] -%}
    {%- set rehab_groups = ['GEN1A', 'GEN2A', 'GEN3A'] -%}
    {#- The contract's maximum_age (raw_extract_v1.json; a test keeps the copies equal). -#}
    {%- set maximum_age = 125 -%}

    {%- if table == 'persons' -%}
        {%- set spec = {
            'key': ['person_id'],
            'columns': [
                ['person_id', 'trim'], ['sex', 'upper'], ['birth_date', none], ['death_date', none],
            ],
            'not_null': ['person_id', 'sex', 'birth_date'],
            'rules': [
                ['invalid_code', 'sex', _stg_not_in('sex', sexes)],
                ['out_of_range', 'birth_date',
                    _stg_implausible_birth_date('birth_date', maximum_age)],
                ['end_before_start', 'death_date', 'death_date < birth_date'],
            ],
        } -%}

    {%- elif table == 'residence' -%}
        {%- set spec = {
            'key': none,
            'columns': [
                ['person_id', 'trim'], ['municipality_code', none],
                ['valid_from', none], ['valid_to', none],
            ],
            'not_null': ['person_id', 'municipality_code', 'valid_from'],
            'rules': [
                ['end_before_start', 'valid_to', 'valid_to < valid_from'],
                ['unknown_municipality', 'municipality_code', _stg_unknown_municipality()],
            ],
        } -%}

    {%- elif table == 'drg_courses' -%}
        {%- set spec = {
            'key': ['course_id'],
            'columns': [
                ['course_id', 'trim'], ['person_id', 'trim'], ['region_code', none],
                ['drg_code', 'upper'], ['drg_year', none], ['course_start', none],
                ['course_end', none], ['tariff_dkk', none], ['long_stay_days', none],
            ],
            'not_null': [
                'course_id', 'person_id', 'region_code', 'drg_code', 'drg_year',
                'course_start', 'course_end', 'tariff_dkk', 'long_stay_days',
            ],
            'money': ['tariff_dkk'],
            'rules': [
                ['invalid_code', 'region_code', _stg_unknown_region()],
                ['invalid_code', 'drg_code', _stg_not_matching('drg_code', drg_pattern)],
                ['invalid_code', 'drg_year', _stg_not_a_year('drg_year')],
                ['negative_value', 'tariff_dkk', 'tariff_dkk < 0'],
                ['negative_value', 'long_stay_days', _stg_outside('long_stay_days', 0)],
                ['end_before_start', 'course_end', 'course_end < course_start'],
            ],
        } -%}

    {%- elif table == 'drg_contacts' -%}
        {%- set spec = {
            'key': ['contact_id'],
            'columns': [
                ['contact_id', 'trim'], ['course_id', 'trim'], ['person_id', 'trim'],
                ['municipality_code', none], ['sor_code', 'trim'], ['contact_type', 'upper'],
                ['priority', 'upper'], ['start_ts', none], ['end_ts', none],
                ['contact_drg_code', 'upper'], ['action_diagnosis', 'upper'],
            ],
            'not_null': [
                'contact_id', 'course_id', 'person_id', 'municipality_code', 'sor_code',
                'contact_type', 'priority', 'start_ts', 'end_ts', 'contact_drg_code',
                'action_diagnosis',
            ],
            'rules': [
                ['invalid_code', 'sor_code', _stg_unknown_site()],
                ['invalid_code', 'contact_type', _stg_not_in('contact_type', contact_types)],
                ['invalid_code', 'priority', _stg_not_in('priority', priorities)],
                ['invalid_code', 'contact_drg_code',
                    _stg_not_matching('contact_drg_code', drg_pattern)],
                ['invalid_code', 'action_diagnosis',
                    _stg_not_matching('action_diagnosis', sks_diagnosis_pattern)],
                ['end_before_start', 'end_ts', 'end_ts < start_ts'],
                ['unknown_municipality', 'municipality_code', _stg_unknown_municipality()],
            ],
        } -%}

    {%- elif table == 'drg_diagnoses' -%}
        {%- set spec = {
            'key': none,
            'columns': [
                ['contact_id', 'trim'], ['diagnosis_code', 'upper'], ['diagnosis_kind', 'upper'],
            ],
            'not_null': ['contact_id', 'diagnosis_code', 'diagnosis_kind'],
            'rules': [
                ['invalid_code', 'diagnosis_code',
                    _stg_not_matching('diagnosis_code', sks_diagnosis_pattern)],
                ['invalid_code', 'diagnosis_kind', _stg_not_in('diagnosis_kind', ['B'])],
            ],
        } -%}

    {%- elif table == 'drg_procedures' -%}
        {%- set spec = {
            'key': ['procedure_id'],
            'columns': [
                ['procedure_id', 'trim'], ['contact_id', 'trim'], ['procedure_code', 'upper'],
                ['performed_ts', none], ['producing_sor_code', 'trim'],
            ],
            'not_null': [
                'procedure_id', 'contact_id', 'procedure_code', 'performed_ts',
                'producing_sor_code',
            ],
            'rules': [
                ['invalid_code', 'procedure_code',
                    _stg_not_matching('procedure_code', sks_procedure_pattern)],
                ['invalid_code', 'producing_sor_code', _stg_unknown_site('producing_sor_code')],
            ],
        } -%}

    {%- elif table == 'psychiatric_contacts' -%}
        {%- set spec = {
            'key': ['contact_id'],
            'columns': [
                ['contact_id', 'trim'], ['person_id', 'trim'], ['municipality_code', none],
                ['sor_code', 'trim'], ['start_ts', none], ['end_ts', none],
                ['contact_type', 'upper'],
            ],
            'not_null': [
                'contact_id', 'person_id', 'municipality_code', 'sor_code', 'start_ts', 'end_ts',
                'contact_type',
            ],
            'rules': [
                ['invalid_code', 'sor_code', _stg_unknown_site()],
                ['invalid_code', 'contact_type', _stg_not_in('contact_type', contact_types)],
                ['end_before_start', 'end_ts', 'end_ts < start_ts'],
                ['unknown_municipality', 'municipality_code', _stg_unknown_municipality()],
            ],
        } -%}

    {%- elif table == 'practice_services' -%}
        {%- set spec = {
            'key': ['service_id'],
            'columns': [
                ['service_id', 'trim'], ['person_id', 'trim'], ['municipality_code', none],
                ['provider_id', 'trim'], ['provider_kind', 'lower'], ['specialty', 'trim'],
                ['service_date', none], ['fee_dkk', none],
            ],
            'not_null': [
                'service_id', 'person_id', 'municipality_code', 'provider_id', 'provider_kind',
                'service_date', 'fee_dkk',
            ],
            'money': ['fee_dkk'],
            'rules': [
                ['invalid_code', 'provider_kind', _stg_not_in('provider_kind', [
                    'almen_praksis', 'speciallaege', 'fysioterapi', 'psykolog', 'kiropraktor',
                    'tandlaege',
                ])],
                ['negative_value', 'fee_dkk', 'fee_dkk < 0'],
                ['unknown_municipality', 'municipality_code', _stg_unknown_municipality()],
            ],
        } -%}

    {%- elif table == 'full_financing_events' -%}
        {#- rehab_group: a rehabilitation group exactly for specialised rehabilitation. -#}
        {%- set spec = {
            'key': ['event_id'],
            'columns': [
                ['event_id', 'trim'], ['person_id', 'trim'], ['region_code', none],
                ['category', 'lower'], ['rehab_group', 'upper'], ['activity_date', none],
                ['quantity', none], ['sor_code', 'trim'],
            ],
            'not_null': [
                'event_id', 'person_id', 'region_code', 'category', 'activity_date', 'quantity',
                'sor_code',
            ],
            'rules': [
                ['invalid_code', 'region_code', _stg_unknown_region()],
                ['invalid_code', 'category', _stg_not_in('category', full_financing_categories)],
                ['invalid_code', 'rehab_group',
                    "case when category = 'genoptraening_specialiseret'"
                    ~ " then rehab_group is null or " ~ _stg_not_in('rehab_group', rehab_groups)
                    ~ " else rehab_group is not null end"],
                ['invalid_code', 'sor_code', _stg_unknown_site()],
                ['negative_value', 'quantity', _stg_outside('quantity', 1)],
            ],
        } -%}

    {%- elif table == 'epj_contacts' -%}
        {%- set spec = {
            'key': ['contact_id'],
            'columns': [
                ['contact_id', 'trim'], ['region_code', none], ['sor_code', 'trim'],
                ['start_ts', none],
            ],
            'not_null': ['contact_id', 'region_code', 'sor_code', 'start_ts'],
            'rules': [
                ['invalid_code', 'region_code', _stg_unknown_region()],
                ['invalid_code', 'sor_code', _stg_unknown_site()],
            ],
        } -%}

    {%- elif table == 'lpr_report_counts' -%}
        {%- set spec = {
            'key': ['region_code', 'activity_year'],
            'columns': [['region_code', none], ['activity_year', none], ['reports', none]],
            'not_null': ['region_code', 'activity_year', 'reports'],
            'rules': [
                ['invalid_code', 'region_code', _stg_unknown_region()],
                ['invalid_code', 'activity_year', _stg_not_a_year('activity_year')],
                ['negative_value', 'reports', 'reports < 0'],
            ],
        } -%}

    {%- elif table == 'lpr_error_list' -%}
        {%- set spec = {
            'key': ['error_id'],
            'columns': [
                ['error_id', 'trim'], ['region_code', none], ['contact_id', 'trim'],
                ['error_code', 'trim'], ['listed_on', none],
            ],
            'not_null': ['error_id', 'region_code', 'error_code', 'listed_on'],
            'rules': [
                ['invalid_code', 'region_code', _stg_unknown_region()],
            ],
        } -%}

    {%- elif table == 'accounting_bookings' -%}
        {#- amount_dkk may be negative (corrections): no sign rule. -#}
        {%- set spec = {
            'key': none,
            'columns': [
                ['region_code', none], ['fiscal_year', none], ['activity_year', none],
                ['category', 'lower'], ['amount_dkk', none],
            ],
            'not_null': ['region_code', 'fiscal_year', 'activity_year', 'category', 'amount_dkk'],
            'money': ['amount_dkk'],
            'rules': [
                ['invalid_code', 'region_code', _stg_unknown_region()],
                ['invalid_code', 'fiscal_year', _stg_not_a_year('fiscal_year')],
                ['invalid_code', 'activity_year', _stg_not_a_year('activity_year')],
                ['invalid_code', 'category',
                    _stg_not_in('category', full_financing_categories + ['medfinansiering'])],
            ],
        } -%}

    {%- elif table == 'population' -%}
        {%- set spec = {
            'key': ['municipality_code', 'reference_date', 'sex', 'age'],
            'columns': [
                ['municipality_code', none], ['reference_date', none], ['sex', 'upper'],
                ['age', none], ['persons', none],
            ],
            'not_null': ['municipality_code', 'reference_date', 'sex', 'age', 'persons'],
            'rules': [
                ['invalid_code', 'sex', _stg_not_in('sex', sexes)],
                ['negative_value', 'age', 'age < 0'],
                ['out_of_range', 'age', 'age > ' ~ maximum_age],
                ['negative_value', 'persons', 'persons < 0'],
                ['unknown_municipality', 'municipality_code', _stg_unknown_municipality()],
            ],
        } -%}

    {%- elif table == 'delivery_log' -%}
        {%- set spec = {
            'key': ['system', 'period_month'],
            'columns': [
                ['system', 'trim'], ['period_month', none], ['published_on', none],
                ['data_as_of', none],
            ],
            'not_null': ['system', 'period_month'],
            'rules': [],
        } -%}

    {%- else -%}
        {{ exceptions.raise_compiler_error("staging_spec: no rules for raw table '" ~ table ~ "'") }}
    {%- endif -%}
    {{ return(spec) }}
{%- endmacro %}


{% macro staging_rules(table) -%}
    {%- set spec = staging_spec(table) -%}
    {%- set key = spec['key'] or [] -%}
    {%- set column_names = spec['columns'] | map('first') | list -%}
    {%- set reasons = staging_rejection_reasons() -%}
    {%- set rules = [] -%}
    {%- for column in spec['not_null'] -%}
        {%- set reason = 'null_key' if (column in key or column.endswith('_id')) else 'missing_value' -%}
        {%- do rules.append([reason, column, column ~ ' is null']) -%}
    {%- endfor -%}
    {%- if 'person_id' in column_names -%}
        {%- do rules.append(['cpr_like_person_id', 'person_id', staging_person_id_breaks_rule()]) -%}
    {%- endif -%}
    {%- if key -%}
        {%- do rules.append(['duplicate_key', key | join(', '), 'duplicate_keys.is_duplicate_key']) -%}
    {%- endif -%}
    {#- Money: DECIMAL(14,2) holds less than 10^12 kr; a third decimal is never rounded away. -#}
    {%- for column in spec.get('money', []) -%}
        {%- do rules.append(['out_of_range', column, 'abs(' ~ column ~ ') >= 1000000000000']) -%}
        {%- do rules.append(['excess_precision', column, column ~ ' <> round(' ~ column ~ ', 2)']) -%}
    {%- endfor -%}
    {%- do rules.extend(spec['rules']) -%}
    {%- set ordered = [] -%}
    {%- for reason in reasons -%}
        {%- for rule in rules if rule[0] == reason -%}
            {%- do ordered.append({'reason': rule[0], 'column': rule[1], 'condition': rule[2]}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if ordered | length != rules | length -%}
        {{ exceptions.raise_compiler_error("staging_rules: unknown rejection reason in " ~ table) }}
    {%- endif -%}
    {{ return(ordered) }}
{%- endmacro %}


{#-
    The contract's person_id rule (raw_extract_v1.json person_id_pattern and cpr_like_pattern; a
    test keeps these copies equal): the id must look like a pseudonym, and its letters and digits
    (whitespace of any kind, control and format characters, dashes and prefixes removed; full-width
    digits read as digits) must not contain a day-month-year date followed by four digits.
-#}
{% macro staging_person_id_breaks_rule() -%}
    {%- set person_id_pattern = '^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$' -%}
    {%- set cpr_like_pattern = '(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{6}' -%}
    {{ return(
        'not ' ~ matches_regex('person_id', person_id_pattern)
        ~ ' or ' ~ matches_regex(letters_and_digits('person_id'), cpr_like_pattern)
    ) }}
{%- endmacro %}


{#- Raw contract table -> staging model, in contract order. -#}
{% macro staging_models() -%}
    {{ return({
        'persons': 'stg_medfin__persons',
        'residence': 'stg_medfin__residence_periods',
        'drg_courses': 'stg_medfin__drg_courses',
        'drg_contacts': 'stg_medfin__drg_contacts',
        'drg_diagnoses': 'stg_medfin__drg_diagnoses',
        'drg_procedures': 'stg_medfin__drg_procedures',
        'psychiatric_contacts': 'stg_medfin__psychiatric_contacts',
        'practice_services': 'stg_medfin__practice_services',
        'full_financing_events': 'stg_medfin__full_financing_events',
        'epj_contacts': 'stg_medfin__epj_contacts',
        'lpr_report_counts': 'stg_medfin__lpr_report_counts',
        'lpr_error_list': 'stg_medfin__lpr_errors',
        'accounting_bookings': 'stg_medfin__accounting_bookings',
        'population': 'stg_medfin__population',
        'delivery_log': 'stg_medfin__delivery_log',
    }) }}
{%- endmacro %}
