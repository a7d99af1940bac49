"""Customer records per source system: duplicates, variations and planted defects."""

from __future__ import annotations

from crm_warehouse.generator.base import GeneratorBase
from crm_warehouse.generator.config import CUSTOMER_DEFECT_GROUPS, SHARE_GROUPS
from crm_warehouse.generator.sql import cumulative_cuts


class RecordsBuilder(GeneratorBase):
    """Customer records per source system: duplicates, variations and planted defects."""

    def build_records(self) -> None:
        """Customer records: one primary record per person plus duplicates with realistic drift."""
        self.run_query("record_skeleton")
        self.run_query(
            "records",
            email_drift_cuts=cumulative_cuts(self.shares, SHARE_GROUPS["duplicate email"]),
            phone_drift_cuts=cumulative_cuts(self.shares, SHARE_GROUPS["duplicate phone"]),
        )
        # the defect rates' thresholds are plain sums, as they always were (the data keeps its bytes)
        self.run_query(
            "customers_out",
            **{f"{group}_cuts": self.defect_cuts(*kinds) for group, kinds in CUSTOMER_DEFECT_GROUPS},
            name_drift_cuts=cumulative_cuts(self.shares, SHARE_GROUPS["duplicate name"]),
            accent_drift_cuts=cumulative_cuts(self.shares, SHARE_GROUPS["duplicate accent"]),
            birth_drift_cuts=cumulative_cuts(self.shares, SHARE_GROUPS["duplicate birth date"]),
            address_drift_cuts=cumulative_cuts(self.shares, SHARE_GROUPS["duplicate address"]),
        )

    def defect_cuts(self, first: str, second: str) -> tuple[float, float]:
        """Thresholds of two mutually exclusive defects drawn from one uniform."""
        return self.rates[first], self.rates[first] + self.rates[second]
