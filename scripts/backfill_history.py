#!/usr/bin/env python3
"""Record the segment history of past month-ends: `crm history --help`.
The code is crm_warehouse/backfill_history.py."""

import sys

from crm_warehouse.backfill_history import main

if __name__ == "__main__":
    sys.exit(main())
