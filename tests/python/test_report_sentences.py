"""The report's sentences for the channel, customer-type and source-system charts, each read from
hand-worked numbers (no warehouse): what a business reader is told is checked word for word."""

from __future__ import annotations

from crm_warehouse.report.sentences import channel_mix, churn_trend, customer_types, quality_by_source


def cell(abc: str, stage: str, channel: str, revenue: float, orders: int, cost: float) -> dict:
    return {
        "abc_class": abc,
        "lifecycle_stage": stage,
        "channel": channel,
        "revenue": revenue,
        "order_count": orders,
        "cost_to_serve": cost,
    }


def test_channel_mix_names_the_main_channel_the_a_customers_channel_and_the_dearest_order() -> None:
    # revenue: web 600 + 100 = 700, store 200, dealer 100 (of 1,000); A: web 600 of 800.
    # cost per order: web (8 + 2) / 5 = 2.00, store 6 / 4 = 1.50, dealer 24 / 2 = 12.00
    mix = [
        cell("A", "active", "web", 600.0, 4, 8.0),
        cell("A", "active", "dealer", 100.0, 2, 24.0),
        cell("A", "new", "store", 100.0, 2, 3.0),
        cell("C", "churned", "web", 100.0, 1, 2.0),
        cell("C", "churned", "store", 100.0, 2, 3.0),
    ]
    assert channel_mix({"channel_mix": mix}) == (
        "Web brings 70% of revenue; A customers buy most through web (75% of their revenue). Handling an order "
        "costs 12.00 through dealer against 1.50 through store (returns included)."
    )
    assert channel_mix({"channel_mix": []}) is None
    # one channel: nothing to compare its order cost with
    assert channel_mix({"channel_mix": mix[:1]}) == (
        "Web brings 100% of revenue; A customers buy most through web (100% of their revenue)."
    )


def test_customer_types_reads_every_type_with_customers_largest_first() -> None:
    types = [
        {"customer_type": "B2B", "customer_count": 20, "customer_share": 0.2, "net_profit_share": 0.55,
         "cost_to_serve_per_customer": 310.0},
        {"customer_type": "B2C", "customer_count": 80, "customer_share": 0.8, "net_profit_share": 0.45,
         "cost_to_serve_per_customer": 12.5},
        {"customer_type": "B2G", "customer_count": 0, "customer_share": 0.0, "net_profit_share": 0.0,
         "cost_to_serve_per_customer": None},
    ]  # fmt: skip
    assert customer_types({"customer_types": types, "settings": {"currency": "EUR"}}) == (
        "B2C customers are 80% of customers and earn 45% of net profit, at EUR 12.50 cost to serve each; "
        "B2B customers are 20% of customers and earn 55% of net profit, at EUR 310 cost to serve each."
    )


def test_quality_by_source_names_the_source_with_the_most_failing_rows_and_its_worst_rule() -> None:
    # failing rows: webshop 30 + 10 = 40, dealer_portal 50 + 5 = 55, of 95 in all
    rows = [
        {"source_system": "webshop", "table_name": "customers", "rule_name": "invalid_email", "rows_failing": 30,
         "share_of_rule_failures": 0.375},
        {"source_system": "dealer_portal", "table_name": "customers", "rule_name": "invalid_email",
         "rows_failing": 50, "share_of_rule_failures": 0.625},
        {"source_system": "webshop", "table_name": "transactions", "rule_name": "unknown_product",
         "rows_failing": 10, "share_of_rule_failures": 2 / 3},
        {"source_system": "dealer_portal", "table_name": "transactions", "rule_name": "unknown_product",
         "rows_failing": 5, "share_of_rule_failures": 1 / 3},
    ]  # fmt: skip
    assert quality_by_source({"quality_by_source": rows}) == (
        "dealer_portal delivers the most rule failures (a row failing two rules counts twice): 55 of 95 (58%) across "
        "2 source systems; its most frequent is invalid email on customers (50 rows, 62% of that rule's failures)."
    )
    assert quality_by_source({"quality_by_source": []}) is None


def test_churn_trend_explains_the_months_before_anyone_could_churn() -> None:
    months = [f"2022-{m:02d}-01" for m in range(1, 13)] + ["2023-01-01", "2023-02-01"]
    churn = [{"calendar_month": m, "churned_customers": 0, "churn_rate": 0.0} for m in months[:12]]
    churn += [
        {"calendar_month": "2023-01-01", "churned_customers": 4, "churn_rate": 0.04},
        {"calendar_month": "2023-02-01", "churned_customers": 2, "churn_rate": 0.02},
    ]
    said = churn_trend({"churn_trend": churn, "settings": {"churn_days": 365}})
    # the last 12 months: ten at 0, then 4% and 2%: 0.5% on average
    assert said == (
        "Monthly churn averaged 0.5% over the last 12 months and was 2.0% in 2023-02. The line is at 0 until "
        "2023-01: a customer churns only when 365 days have passed since their last purchase, so nobody can "
        "churn in the data's first 365 days."
    )
    assert "The line is at 0" not in (churn_trend({"churn_trend": churn[10:], "settings": {"churn_days": 365}}) or "")
    # no churn at all yet: no month to name
    assert "The line is at 0" not in (churn_trend({"churn_trend": churn[:12], "settings": {"churn_days": 365}}) or "")
