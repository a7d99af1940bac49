"""Service interactions (calls, emails, chats, visits, complaints) and contact permissions."""

from __future__ import annotations

from crm_warehouse.generator.base import GeneratorBase


class InteractionsBuilder(GeneratorBase):
    """Service interactions (calls, emails, chats, visits, complaints)."""

    def build_interactions(self) -> None:
        self.run_query("service_cdf")
        self.run_query(
            "interactions_out", n_interactions=max(1, round(self.config.lines * self.shares["interactions_per_line"]))
        )
        self.run_query("contact_permissions_out")
