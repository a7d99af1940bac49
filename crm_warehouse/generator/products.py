"""The product master: categories, costs and prices."""

from __future__ import annotations

from crm_warehouse.generator.base import GeneratorBase


class ProductsBuilder(GeneratorBase):
    """The product master: categories, costs and prices."""

    def build_products(self) -> None:
        self.run_query("products_out")
        self.run_query("product_buckets")
