"""`python -m medfin.contract [--check] [PATH]`: write or check the dbt sources file."""

import sys

from medfin.contract import main

sys.exit(main())
