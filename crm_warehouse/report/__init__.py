"""The HTML report of the published findings: data (queries/ over the serving copy), one
sentence per chart (sentences), the charts (figures), the page (page) and the command (cli)."""

from crm_warehouse.report.cli import main

__all__ = ["main"]
