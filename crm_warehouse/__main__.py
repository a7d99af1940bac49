"""`python -m crm_warehouse COMMAND ...` is the same as `crm COMMAND ...`."""

import sys

from crm_warehouse.cli import main

sys.exit(main())
