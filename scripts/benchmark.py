#!/usr/bin/env python3
"""Time and measure generate, load, build and test per size: `crm benchmark --help`.
The code is crm_warehouse/benchmark.py."""

import sys

from crm_warehouse.benchmark import main

if __name__ == "__main__":
    sys.exit(main())
