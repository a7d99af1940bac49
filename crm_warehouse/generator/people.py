"""The business calendar, the true persons behind the records, and their activity windows."""

from __future__ import annotations

from crm_warehouse.generator.base import GeneratorBase
from crm_warehouse.generator.config import PERSONS_PER_COMPANY


class PeopleBuilder(GeneratorBase):
    """The business calendar, the true persons behind the records, and their activity windows."""

    def build_calendar(self) -> None:
        """Daily demand weights: growth, weekly rhythm and a Nov/Dec peak; cumulative for sampling."""
        self.run_query("calendar")

    def build_persons(self) -> None:
        """The true people. Households and companies make some of them share contact data."""
        shares = self.shares
        organisations = shares["b2b_person"] + shares["b2g_person"]
        self.run_query(
            "persons_base",
            b2c_share=round(1 - organisations, 10),
            b2c_or_b2b_share=round(1 - shares["b2g_person"], 10),
            n_companies=self.n_companies,
            # look-alikes are drawn among the B2C persons who join no household; the band is
            # widened by their share so that the share is of all B2C persons
            lookalike_band=round(shares["lookalike_person"] / (1 - self.rates["household_member"]), 10),
        )
        self.run_query("persons", n_companies=self.n_companies)
        self.run_query("household_emails")

    @property
    def n_companies(self) -> int:
        """B2B and B2G organisations: their persons, PERSONS_PER_COMPANY to one on average."""
        organisations = self.shares["b2b_person"] + self.shares["b2g_person"]
        return max(1, round(self.n_persons * organisations / PERSONS_PER_COMPANY))

    def build_windows(self) -> None:
        """Active windows per person: one, or two for customers who come back after a long gap."""
        self.run_query("person_windows")
