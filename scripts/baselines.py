#!/usr/bin/env python3
"""The plain-SQL and pandas baselines the benchmark compares with: `crm baselines --help`.
The code is crm_warehouse/baselines.py."""

import sys

from crm_warehouse.baselines import main

if __name__ == "__main__":
    sys.exit(main())
