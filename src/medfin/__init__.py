"""medfin: a dbt + DuckDB warehouse for Danish municipal health financing."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("medfin")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
