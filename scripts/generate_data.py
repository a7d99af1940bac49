#!/usr/bin/env python3
"""Generate a demo raw data set: `crm generate --help`. The code is crm_warehouse/generate_data.py."""

import sys

from crm_warehouse.generate_data import main

if __name__ == "__main__":
    sys.exit(main())
