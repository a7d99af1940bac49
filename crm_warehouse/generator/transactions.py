"""Orders and transaction lines, returns, late arrivals and planted line defects."""

from __future__ import annotations

import math

from crm_warehouse.db import one
from crm_warehouse.generator.base import GeneratorBase
from crm_warehouse.generator.config import TRANSACTION_QUARANTINE_KINDS


class TransactionsBuilder(GeneratorBase):
    """Orders and transaction lines, returns, late arrivals and planted line defects."""

    def build_transactions(self) -> None:
        """Orders sampled over person windows (heavy-tailed), dated by the seasonal calendar, then lines."""
        n_lines = self.config.lines
        # E[line_count] = 1 + E[min(floor(Exp(1.6)), 9)] ~ 2.15; a small margin for the draw
        self.run_query("window_orders", n_orders=int(n_lines / 2.15 * 1.01 + 6 * n_lines**0.5) + 20)
        self.run_query("ranked_records")
        total_weight = one(self.con.execute("select max(cum_weight) from calendar"))[0]
        self.run_query("calendar_buckets", total_weight=total_weight)
        self.run_query("orders", total_weight=total_weight)
        total = one(self.con.execute("select sum(line_count) from orders"))[0]
        if total < n_lines:
            raise RuntimeError(f"internal: drew {total} lines for {n_lines} requested; raise the order margin")
        self.run_query("kept_orders")
        self.run_query("numbered_orders")
        self.run_query("transactions_out", defect_bounds=self.defect_bounds())

    def defect_bounds(self) -> list[tuple[str, float]]:
        """The cumulative thresholds of the line defects, drawn from one uniform per line.

        Only a line after the first of an order whose line before it has no planted defect can
        re-send that line (so a re-send is an exact copy of a trusted line: a duplicate, not a
        correction). The duplicate band x is widened to plant the requested rate d:
        x * (share of non-first lines) * (1 - other defect rates - x) = d.
        """
        r, n_lines = self.rates, self.config.lines
        n_kept_orders = one(self.con.execute("select count(*) from numbered_orders"))[0]
        eligible_share = max(1e-9, 1 - n_kept_orders / n_lines)
        bands = {k: r[k] for k in TRANSACTION_QUARANTINE_KINDS}
        clean_share = 1 - sum(v for k, v in bands.items() if k != "duplicate_line_key")
        discriminant = clean_share**2 - 4 * r["duplicate_line_key"] / eligible_share
        bands["duplicate_line_key"] = min((clean_share - math.sqrt(discriminant)) / 2, 0.5) if discriminant > 0 else 0.5
        bounds, acc = [], 0.0
        for kind in TRANSACTION_QUARANTINE_KINDS:
            acc += bands[kind]
            bounds.append((kind, acc))
        return bounds
