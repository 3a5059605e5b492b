# medfin developer entry points. Everything runs inside .venv, created from python3.11 (or python3)
# and installed with the exact versions in constraints.txt.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help venv demo test lint lint-sql clean

help:
	@echo "make venv      create .venv and install medfin[dev] with constraints.txt"
	@echo "make demo      generate a tiny synthetic delivery and build warehouse/medfin.duckdb"
	@echo "make test      make lint + pytest (CI runs exactly this: .ci/run)"
	@echo "make lint      ruff check and format --check, sqlfluff on models, dbt tests, analyses, macros"
	@echo "make lint-sql  the sqlfluff part of make lint"
	@echo "make clean     remove build outputs (keeps .venv)"

venv: $(STAMP)

# Re-installs only when pyproject.toml or constraints.txt changed.
$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "python3 not found" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: venv
	rm -rf demo/delivery
	mkdir -p warehouse
	$(BIN)/medfin generate --scale tiny --years 2021 --seed 42 --out demo/delivery --defects default
	$(BIN)/medfin build --delivery demo/delivery

# --durations: the slowest tests are listed at the end; CI time is a budget (docs/development.md).
# -n: pytest-xdist workers, each module's tests in one worker (--dist loadfile: a module's
# fixtures are made once); the shared deliveries and builds are made once per run
# (tests/python/warehouses.py). A tiny build is mostly dbt's single Python thread, so two
# workers use the two cores of the CI machine.
TEST_WORKERS ?= 2
test: lint
	$(BIN)/pytest -q --durations=15 -n $(TEST_WORKERS) --dist loadfile

lint: venv lint-sql
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Models, singular tests and analyses with the dbt templater (it compiles them against the
# profile); macros with the jinja templater, since the dbt templater skips macro files
# (macros/.sqlfluff says which rule is off there and why), and the benchmark's plain DuckDB SQL
# (src/medfin/bench). Generated SQL is in .sqlfluffignore.
# The templater connects to the profile's database: a scratch one, never the published warehouse.
lint-sql: venv
	MEDFIN_WAREHOUSE=target/sqlfluff/lint.duckdb $(BIN)/sqlfluff lint --processes 2 models tests/dbt analyses
	$(BIN)/sqlfluff lint --templater jinja macros
	$(BIN)/sqlfluff lint --templater jinja src/medfin/bench

clean:
	rm -rf target dbt_packages logs demo warehouse .pytest_cache .ruff_cache bench/work
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
