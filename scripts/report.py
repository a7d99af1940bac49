#!/usr/bin/env python3
"""Write the HTML report from the serving copy: `crm report --help`. The code is crm_warehouse/report/."""

import sys

from crm_warehouse.report import main

if __name__ == "__main__":
    sys.exit(main())
