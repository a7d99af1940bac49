#!/usr/bin/env python3
"""Publish the marts of the last green build for BI tools: `crm publish --help`.
The code is crm_warehouse/publish.py."""

import sys

from crm_warehouse.publish import main

if __name__ == "__main__":
    sys.exit(main())
