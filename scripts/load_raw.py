#!/usr/bin/env python3
"""Load raw CSV/Parquet files into the warehouse: `crm load --help`. The code is crm_warehouse/load_raw.py."""

import sys

from crm_warehouse.load_raw import main

if __name__ == "__main__":
    sys.exit(main())
