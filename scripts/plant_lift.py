#!/usr/bin/env python3
"""Plant a known campaign lift in generated data: `crm plant-lift --help`. The code is crm_warehouse/plant_lift.py."""

import sys

from crm_warehouse.plant_lift import main

if __name__ == "__main__":
    sys.exit(main())
