-- Grain: as int_data_package_cells. Each cell judged by the discretion rule (macro
-- suppress_small_counts: 1-4 observations hidden, and the second-smallest municipality of a
-- council column hidden with a single hidden one). A column is one table x period x breakdown
-- value. Unsuppressed values stay here; reporting.data_package publishes the judged ones.
{{ suppress_small_counts(
    ref('int_data_package_cells'), ['table_id', 'period', 'breakdown_value']
) }}
