"""One sentence per chart that reads it, from the same numbers the chart shows."""

from __future__ import annotations

from collections.abc import Callable

from crm_warehouse.report.formatting import currency_of, label, money, pct

Reader = Callable[[dict], str | None]
READERS: dict[str, Reader] = {}


def reads(key: str) -> Callable[[Reader], Reader]:
    def register(reader: Reader) -> Reader:
        READERS[key] = reader
        return reader

    return register


def sentences(data: dict) -> dict[str, str]:
    said = {key: reader(data) for key, reader in READERS.items()}
    return {key: sentence for key, sentence in said.items() if sentence}


@reads("kpis")
def kpis(data: dict) -> str:
    cur = currency_of(data)
    k = data["kpis"]
    return (
        f"As of {data['publication']['as_of_date']}, {k['customers_in_window']:,} customers bought in the "
        f"profitability window: revenue {money(k['revenue'], cur)}, net profit after cost to serve "
        f"{money(k['net_profit'], cur)}; {k['loss_making_customers']:,} of them lost money."
    )


@reads("whale_curve")
def whale_curve(data: dict) -> str | None:
    curve, deciles = data["whale_curve"], data["profit_deciles"]
    if not (curve and deciles):
        return None
    peak = max(curve, key=lambda r: r["cumulative_net_profit_share"])
    given_back = peak["cumulative_net_profit_share"] - curve[-1]["cumulative_net_profit_share"]
    return (
        f"The most profitable 10% of customers earn {pct(deciles[0]['net_profit_share'])} of net profit; the curve "
        f"peaks at {pct(peak['cumulative_net_profit_share'])} with the top {pct(peak['cumulative_customer_share'])}, "
        f"and the remaining customers give back {pct(given_back)} of it."
    )


@reads("profit_deciles")
def profit_deciles(data: dict) -> str | None:
    deciles = data["profit_deciles"]
    if not deciles:
        return None
    top = sum(r["net_profit_share"] for r in deciles if r["profit_decile"] <= 2)
    bottom = sum(r["net_profit_share"] for r in deciles if r["profit_decile"] >= 8)
    return (
        f"Deciles 1 and 2 (the most profitable fifth) earn {pct(top)} of net profit; deciles 8-10 together earn "
        f"{pct(bottom)}."
    )


@reads("abc_economics")
def abc_economics(data: dict) -> str | None:
    cur = currency_of(data)
    abc = {r["abc_class"]: r for r in data["abc_economics"]}
    if "A" not in abc or "C" not in abc:
        return None
    a, c = abc["A"], abc["C"]
    return (
        f"A customers are {pct(a['customer_share'])} of customers and earn {pct(a['net_profit_share'])} of net "
        f"profit; serving a C customer costs {money(c['cost_to_serve_per_customer'], cur)} "
        f"({pct(c['cost_to_serve_share_of_revenue'], 1)} of their revenue) against "
        f"{money(a['cost_to_serve_per_customer'], cur)} ({pct(a['cost_to_serve_share_of_revenue'], 1)}) "
        "for an A customer."
    )


@reads("rfm_grid")
def rfm_grid(data: dict) -> str | None:
    segments = data["rfm_segments"]
    if not segments:
        return None
    total = sum(r["customer_count"] for r in segments)
    largest = segments[0]
    champions = next((r["customer_count"] for r in segments if r["rfm_segment"] == "champions"), 0)
    return (
        f"The largest RFM segment is {label(largest['rfm_segment'])} with {largest['customer_count']:,} customers "
        f"({pct(largest['customer_count'] / total)}); champions are {pct(champions / total)}."
    )


@reads("lifecycle_mix")
def lifecycle_mix(data: dict) -> str | None:
    mix = {r["lifecycle_stage"]: r["customer_count"] for r in data["lifecycle_mix"]}
    if not mix:
        return None
    total = sum(mix.values())
    live = sum(mix.get(stage, 0) for stage in ("new", "active", "reactivated"))
    return (
        f"{pct(live / total)} of the {total:,} customers who ever bought are new, active or reactivated; "
        f"{pct(mix.get('at_risk', 0) / total)} are at risk and {pct(mix.get('churned', 0) / total)} have churned."
    )


@reads("cohort_retention")
def cohort_retention(data: dict) -> str | None:
    cohorts = data["cohort_retention"]
    if not cohorts:
        return None

    def mean_retention(months: int) -> float | None:
        values = [r["retention_rate"] for r in cohorts if r["months_since_acquisition"] == months]
        return sum(values) / len(values) if values else None

    return (
        f"On average {pct(mean_retention(1))} of a cohort buy again in their first month after acquisition "
        f"and {pct(mean_retention(12))} in month 12."
    )


@reads("churn_trend")
def churn_trend(data: dict) -> str | None:
    churn = data["churn_trend"]
    if not churn:
        return None
    recent = [r["churn_rate"] for r in churn[-12:] if r["churn_rate"] is not None]
    said = (
        f"Monthly churn averaged {pct(sum(recent) / len(recent) if recent else None, 1)} over the last "
        f"{len(recent)} months and was {pct(churn[-1]['churn_rate'], 1)} in {churn[-1]['calendar_month'][:7]}."
    )
    # the first months show no churn by definition: say so rather than leave a flat line unexplained
    first_churn = next((r["calendar_month"][:7] for r in churn if r["churned_customers"]), None)
    quiet = [r for r in churn if first_churn is None or r["calendar_month"][:7] < first_churn]
    days = (data.get("settings") or {}).get("churn_days")
    if first_churn and len(quiet) >= 3 and days:
        said += (
            f" The line is at 0 until {first_churn}: a customer churns only when "
            f"{days} days have passed since their last purchase, so nobody can churn in the data's first "
            f"{days} days."
        )
    return said


@reads("segment_migration")
def segment_migration(data: dict) -> str:
    moves = data["segment_migration"]
    cells = moves["rows"]
    if not cells:
        return (
            f"The segment history has {moves['periods_recorded']} recorded month-end(s); migration needs two "
            "(run `make history`)."
        )
    total = sum(r["customer_count"] for r in cells)
    kept = sum(r["customer_count"] for r in cells if r["from_class"] == r["to_class"])
    into_a = sum(r["customer_count"] for r in cells if r["to_class"] == "A" and r["from_class"] != "A")
    out_of_a = sum(r["customer_count"] for r in cells if r["from_class"] == "A" and r["to_class"] != "A")
    return (
        f"Of the {total:,} customers on {moves['from_period']}, {pct(kept / total)} were in the same ABC class on "
        f"{moves['to_period']}; {into_a:,} moved up into A and {out_of_a:,} fell out of it."
    )


@reads("clv_value_shift")
def clv_value_shift(data: dict) -> str:
    cur = currency_of(data)
    highlights = data["clv_highlights"]
    if not data["clv_value_shift"] or highlights["median_a_predicted_clv"] is None:
        return "Too little data to fit the CLV models (see clv_model_parameters)."
    return (
        f"{highlights['c_customers_above_median_a']:,} of today's {highlights['c_customers']:,} C customers are "
        f"predicted to be worth more over the next year than today's median A customer "
        f"({money(highlights['median_a_predicted_clv'], cur)}); all customers together are predicted to bring "
        f"{money(highlights['total_predicted_clv'], cur)}."
    )


@reads("clv_calibration")
def clv_calibration(data: dict) -> str | None:
    calibration = data["clv_calibration"]
    if not calibration:
        return None
    predicted = sum(r["predicted_holdout_purchases"] or 0 for r in calibration)
    actual = sum(r["actual_holdout_purchases"] for r in calibration)
    return (
        f"Fitted on the data up to the holdout, the model predicted {predicted:,.0f} purchases in the holdout; "
        f"customers made {actual:,} ({pct(predicted / actual - 1 if actual else None, 1)} off)."
    )


@reads("service_levels")
def service_levels(data: dict) -> str | None:
    levels = data["service_levels"]
    if not levels:
        return None
    costly = [r["abc_class"] for r in levels if r["is_policy_cost_above_net_profit"]]
    shares = ", ".join(
        f"{r['abc_class']} {pct(r['window_policy_cost'] / r['net_profit'], 1) if r['net_profit'] else 'n/a'}"
        for r in levels
    )
    verdict = (
        f"serving class {', '.join(costly)} costs more than it earns"
        if costly
        else "no class costs more to serve than it earns"
    )
    return f"The service policy costs this share of each class's net profit over the window: {shares}; {verdict}."


@reads("campaigns")
def campaigns(data: dict) -> str | None:
    cur = currency_of(data)
    listed = data["campaigns"]
    if not listed:
        return None
    parts = [
        f"{r['campaign_id']} contacts {r['treatment_customers']:,} of {r['eligible_customers']:,} eligible customers "
        f"({r['control_customers']:,} held out as control) for {money(r['treatment_contact_cost'], cur)}, expecting "
        f"{money(r['treatment_expected_value'], cur)}"
        for r in listed
    ]
    return "; ".join(parts) + "."


@reads("data_quality")
def data_quality(data: dict) -> str | None:
    rules = data["data_quality"]
    if not rules:
        return None
    failing = [r for r in rules if r["rows_failing"]]
    worst = rules[0]
    return (
        f"{len(failing)} of {len(rules)} data-quality rules found problems; the most frequent is "
        f"{label(worst['rule_name'])} on {worst['table_name']} ({pct(worst['failing_share'], 1)} of "
        f"{worst['rows_checked']:,} {worst['checked_unit']})."
    )


@reads("identity_resolution")
def identity_resolution(data: dict) -> str | None:
    identity = data["identity_resolution"]
    if not identity:
        return None
    merged = [r for r in identity if r["match_rule"] != "single_record"]
    by_rule = ", ".join(f"{r['record_count']:,} by {label(r['match_rule'])}" for r in merged)
    return (
        f"{sum(r['record_count'] for r in identity):,} source customer records resolve to "
        f"{data['kpis']['resolved_customers']:,} customers: {sum(r['record_count'] for r in merged):,} records were "
        f"merged with another, {by_rule}."
    )


@reads("customer_types")
def customer_types(data: dict) -> str | None:
    cur = currency_of(data)
    types = sorted((r for r in data["customer_types"] if r["customer_count"]), key=lambda r: -r["customer_count"])
    if not types:
        return None
    parts = [
        f"{r['customer_type']} customers are {pct(r['customer_share'])} of customers and earn "
        f"{pct(r['net_profit_share'])} of net profit, at {money(r['cost_to_serve_per_customer'], cur)} "
        "cost to serve each"
        for r in types
    ]
    return "; ".join(parts) + "."


@reads("channel_mix")
def channel_mix(data: dict) -> str | None:
    cur = currency_of(data)
    mix = data["channel_mix"]
    if not mix:
        return None
    totals: dict[str, list[float]] = {}
    for r in mix:
        total = totals.setdefault(r["channel"], [0.0, 0.0, 0.0])
        total[0], total[1], total[2] = (
            total[0] + r["revenue"],
            total[1] + r["order_count"],
            total[2] + r["cost_to_serve"],
        )
    revenue = sum(t[0] for t in totals.values())
    ordered = [c for c in totals if totals[c][1]]
    if not revenue or not ordered:
        return None
    main = max(totals, key=lambda c: totals[c][0])
    dearest = max(ordered, key=lambda c: totals[c][2] / totals[c][1])
    cheapest = min(ordered, key=lambda c: totals[c][2] / totals[c][1])
    a_rows = [r for r in mix if r["abc_class"] == "A"]
    a_main = ""
    if a_rows:
        a_revenue: dict[str, float] = {}
        for r in a_rows:
            a_revenue[r["channel"]] = a_revenue.get(r["channel"], 0) + r["revenue"]
        a_channel = max(a_revenue, key=lambda c: a_revenue[c])
        a_share = a_revenue[a_channel] / sum(a_revenue.values()) if sum(a_revenue.values()) else None
        a_main = f"; A customers buy most through {a_channel} ({pct(a_share)} of their revenue)"
    said = f"{main.capitalize()} brings {pct(totals[main][0] / revenue)} of revenue{a_main}."
    if dearest != cheapest:
        said += (
            f" Handling an order costs {money(totals[dearest][2] / totals[dearest][1], cur)} through {dearest} "
            f"against {money(totals[cheapest][2] / totals[cheapest][1], cur)} through {cheapest} (returns included)."
        )
    return said


@reads("quality_by_source")
def quality_by_source(data: dict) -> str | None:
    rows = data["quality_by_source"]
    if not rows:
        return None
    by_source: dict[str, int] = {}
    for r in rows:
        by_source[r["source_system"]] = by_source.get(r["source_system"], 0) + r["rows_failing"]
    total = sum(by_source.values())
    worst = max(by_source, key=lambda s: by_source[s])
    rule = max((r for r in rows if r["source_system"] == worst), key=lambda r: r["rows_failing"])
    return (
        f"{worst} delivers the most rule failures (a row failing two rules counts twice): {by_source[worst]:,} "
        f"of {total:,} ({pct(by_source[worst] / total)}) across {len(by_source)} source systems; its most frequent is "
        f"{label(rule['rule_name'])} on {rule['table_name']} ({rule['rows_failing']:,} rows, "
        f"{pct(rule['share_of_rule_failures'])} of that rule's failures)."
    )
