"""`medfin bench`: the whole path at one scale, with baselines measured in the same run.

- harness.py: the phases, the baselines, the JSON and the row in docs/benchmarks.md
- process.py: one step as a child process (wall, CPU, peak memory of the whole process tree)
- finance_query.py, .sql: the hand-written DuckDB query, the finance path's lower bound
- expected.py: the finance marts against a delivery's expected.json
"""
