#!/usr/bin/env python3
"""Write a campaign's audience as a CSV for a CRM or e-mail tool: `crm export --help`.
The code is crm_warehouse/export_audience.py."""

import sys

from crm_warehouse.export_audience import main

if __name__ == "__main__":
    sys.exit(main())
