#!/usr/bin/env python3
"""Write the findings of the published warehouse as one self-contained HTML report.

Reads the serving copy (never the build warehouse) and writes one HTML file that opens offline:
the chart library is embedded in the page, nothing is fetched at view time. For a business
reader: KPI summary, whale curve, profit deciles, ABC classes with their economics (cost to
serve per class), RFM grid, lifecycle stage mix, cohort retention, churn trend, segment
migration between two month-ends, predicted value against today's ABC class and the value
model's calibration, the data-quality scorecard and the identity-resolution summary. Each chart
carries one sentence that reads it, computed from the data. Every charted
number is also embedded as JSON (<script id="report-data">) so it can be checked against the
marts.

    scripts/report.py                                   # serving/crm.duckdb -> serving/report.html
    scripts/report.py --migration-from 2025-10 --migration-to 2026-10 --out /tmp/crm.html
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import html
import json
import os
import sys
import time
from pathlib import Path

import duckdb
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from crm_warehouse.db import project_dir

REPO = project_dir()
ABC_ORDER = ["A", "B", "C", "none"]
STAGE_ORDER = ["new", "active", "reactivated", "at_risk", "churned"]
COLOURS = {"A": "#1b7837", "B": "#7fbf7b", "C": "#d9a441", "none": "#bbbbbb"}


class ReportError(Exception):
    """The report cannot be written; the message says why."""


def month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month written YYYY-MM") from exc


def plain(value: object) -> object:
    """JSON-ready: decimals as floats, dates as ISO strings."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def rows(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> list[dict[str, object]]:
    result = con.execute(query, params or [])
    names = [column[0] for column in result.description]
    return [dict(zip(names, map(plain, row), strict=True)) for row in result.fetchall()]


def pct(share: float | None, digits: int = 0) -> str:
    # + 0.0 turns a rounded -0 into 0
    return "n/a" if share is None else f"{round(share * 100, digits) + 0.0:.{digits}f}%"


def money(value: float | None) -> str:
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if value >= limit:
            return f"{sign}{value / limit:.1f}{suffix}"
    return f"{sign}{value:,.2f}" if value < 100 else f"{sign}{value:,.0f}"


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def collect(con: duckdb.DuckDBPyConnection, migration_from: dt.date | None, migration_to: dt.date | None) -> dict:
    """Every number the report charts, straight from the published marts."""
    data: dict[str, object] = {}
    data["publication"] = rows(con, "select * from meta.publication")[0]
    data["kpis"] = rows(
        con,
        """
        with profit as (
            select
                count(*) as customers_in_window, sum(revenue) as revenue, sum(gross_profit) as gross_profit,
                sum(cost_to_serve) as cost_to_serve, sum(net_profit) as net_profit,
                count(*) filter (where net_profit < 0) as loss_making_customers
            from marts.customer_profitability
        ),
        lifecycle as (
            select
                count(*) as customers_with_purchases,
                count(*) filter (where lifecycle_stage in ('new', 'active', 'reactivated')) as live_customers
            from marts.customer_lifecycle
        ),
        churn as (
            select churn_rate as latest_month_churn_rate, calendar_month as latest_month
            from marts.churn_summary order by calendar_month desc limit 1
        )
        select
            (select count(*) from marts.dim_customer) as resolved_customers,
            profit.*, lifecycle.*, churn.*
        from profit cross join lifecycle left join churn on true
        """,
    )[0]
    data["whale_curve"] = rows(
        con,
        """select customer_percentile, cumulative_customer_share, cumulative_net_profit_share
        from marts.whale_curve order by customer_percentile""",
    )
    data["profit_deciles"] = rows(
        con,
        """select profit_decile, customer_count, revenue, cost_to_serve, net_profit, net_profit_share
        from marts.profitability_deciles order by profit_decile""",
    )
    data["abc_economics"] = rows(
        con,
        """select abc_class, customer_count, customer_share, revenue, net_profit, net_profit_share, cost_to_serve,
            cost_to_serve_per_customer, cost_to_serve_share_of_revenue, loss_making_customer_count
        from marts.segment_economics order by abc_class""",
    )
    data["rfm_grid"] = rows(
        con,
        """select recency_score, frequency_monetary_score, count(*) as customer_count, min(rfm_segment) as rfm_segment
        from marts.customer_segments group by all order by all""",
    )
    data["rfm_segments"] = rows(
        con,
        "select rfm_segment, count(*) as customer_count from marts.customer_segments group by all order by 2 desc, 1",
    )
    data["lifecycle_mix"] = rows(
        con,
        "select lifecycle_stage, count(*) as customer_count from marts.customer_lifecycle group by all order by all",
    )
    data["cohort_retention"] = rows(
        con,
        """select acquisition_cohort_month, months_since_acquisition, cohort_size, active_customers, retention_rate
        from marts.cohort_retention order by all""",
    )
    data["churn_trend"] = rows(
        con,
        """select calendar_month, customers_at_start, churned_customers, churn_rate
        from marts.churn_summary order by calendar_month""",
    )
    periods = [
        row[0]
        for row in con.execute("select distinct as_of_date from marts.customer_segment_history order by 1").fetchall()
    ]
    data["segment_migration"] = migration(con, periods, migration_from, migration_to)
    data["data_quality"] = rows(
        con,
        """select table_name, rule_name, rule_description, checked_unit, rows_checked, rows_failing, failing_share
        from marts.data_quality_scorecard order by failing_share desc, table_name, rule_name""",
    )
    data["clv_value_shift"] = rows(
        con,
        """select current_abc_class, predicted_abc_class, count(*) as customer_count,
            sum(predicted_clv) as predicted_clv
        from marts.customer_lifetime_value where predicted_clv is not null group by all order by all""",
    )
    data["clv_highlights"] = rows(
        con,
        """with median_a as (
            select median(predicted_clv) as median_a_predicted_clv
            from marts.customer_lifetime_value where current_abc_class = 'A'
        )
        select
            count(*) filter (where current_abc_class = 'C') as c_customers,
            count(*) filter (where current_abc_class = 'C' and predicted_clv > median_a_predicted_clv)
                as c_customers_above_median_a,
            any_value(median_a_predicted_clv) as median_a_predicted_clv,
            sum(predicted_clv) as total_predicted_clv
        from marts.customer_lifetime_value cross join median_a""",
    )[0]
    data["clv_calibration"] = rows(
        con,
        """select calibration_frequency, calibration_frequency_label, customer_count, actual_holdout_purchases,
            predicted_holdout_purchases, actual_purchases_per_customer, predicted_purchases_per_customer
        from marts.clv_calibration order by calibration_frequency""",
    )
    data["identity_resolution"] = rows(
        con,
        """select match_rule, count(*) as record_count, count(distinct customer_key) as customer_count
        from marts.customer_identity_map group by all order by record_count desc""",
    )
    return data


def migration(
    con: duckdb.DuckDBPyConnection, periods: list[dt.date], first: dt.date | None, last: dt.date | None
) -> dict[str, object]:
    """ABC class of every customer on two recorded month-ends (by default the latest one and the one
    twelve months before it, or the earliest recorded)."""
    if len(periods) < 2:
        return {"from_period": None, "to_period": None, "rows": [], "periods_recorded": len(periods)}
    to_period = month_end(last) if last else periods[-1]
    if first:
        from_period = month_end(first)
    else:
        target = (to_period.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
        from_period = next((p for p in periods if p >= month_end(target)), periods[0])
    for name, day in (("--migration-from", from_period), ("--migration-to", to_period)):
        if day not in periods:
            raise ReportError(
                f"{name} {day:%Y-%m} is not a recorded month-end of the segment history (recorded: "
                f"{periods[0]:%Y-%m} to {periods[-1]:%Y-%m}); record it with `make history` or choose another month"
            )
    if from_period >= to_period:
        raise ReportError(f"--migration-from ({from_period:%Y-%m}) must be before --migration-to ({to_period:%Y-%m})")
    result = rows(
        con,
        """
        with earlier as (
            select customer_key, coalesce(abc_class, 'none') as abc_class
            from marts.customer_segment_history where as_of_date = ?
        ),
        later as (
            select customer_key, coalesce(abc_class, 'none') as abc_class
            from marts.customer_segment_history where as_of_date = ?
        )
        select earlier.abc_class as from_class, coalesce(later.abc_class, 'none') as to_class,
            count(*) as customer_count
        from earlier left join later using (customer_key)
        group by all order by all
        """,
        [from_period, to_period],
    )
    return {
        "from_period": from_period.isoformat(),
        "to_period": to_period.isoformat(),
        "rows": result,
        "periods_recorded": len(periods),
    }


def sentences(data: dict) -> dict[str, str]:
    """One sentence per chart that reads it, from the same numbers the chart shows."""
    said: dict[str, str] = {}
    kpis = data["kpis"]
    said["kpis"] = (
        f"As of {data['publication']['as_of_date']}, {kpis['customers_in_window']:,} customers bought in the "
        f"profitability window: revenue {money(kpis['revenue'])}, net profit after cost to serve "
        f"{money(kpis['net_profit'])}; {kpis['loss_making_customers']:,} of them lost money."
    )
    curve, deciles = data["whale_curve"], data["profit_deciles"]
    if curve and deciles:
        peak = max(curve, key=lambda r: r["cumulative_net_profit_share"])
        given_back = peak["cumulative_net_profit_share"] - curve[-1]["cumulative_net_profit_share"]
        said["whale_curve"] = (
            f"The most profitable 10% of customers earn {pct(deciles[0]['net_profit_share'])} of net profit; "
            "the curve peaks at "
            f"{pct(peak['cumulative_net_profit_share'])} with the top {pct(peak['cumulative_customer_share'])}, "
            f"and the remaining customers give back {pct(given_back)} of it."
        )
    if deciles:
        top = [r for r in deciles if r["profit_decile"] <= 2]
        bottom = [r for r in deciles if r["profit_decile"] >= 8]
        said["profit_deciles"] = (
            f"Deciles 1 and 2 (the most profitable fifth) earn {pct(sum(r['net_profit_share'] for r in top))} of net "
            f"profit; deciles 8-10 together earn {pct(sum(r['net_profit_share'] for r in bottom))}."
        )
    abc = {r["abc_class"]: r for r in data["abc_economics"]}
    if "A" in abc and "C" in abc:
        said["abc_economics"] = (
            f"A customers are {pct(abc['A']['customer_share'])} of customers and earn "
            f"{pct(abc['A']['net_profit_share'])} of net profit; serving a C customer costs "
            f"{money(abc['C']['cost_to_serve_per_customer'])} ({pct(abc['C']['cost_to_serve_share_of_revenue'], 1)} of "
            f"their revenue) against {money(abc['A']['cost_to_serve_per_customer'])} "
            f"({pct(abc['A']['cost_to_serve_share_of_revenue'], 1)}) for an A customer."
        )
    segments = data["rfm_segments"]
    if segments:
        total = sum(r["customer_count"] for r in segments)
        largest = segments[0]
        champions = next((r["customer_count"] for r in segments if r["rfm_segment"] == "champions"), 0)
        said["rfm_grid"] = (
            f"The largest RFM segment is {largest['rfm_segment'].replace('_', ' ')} with "
            f"{largest['customer_count']:,} customers ({pct(largest['customer_count'] / total)}); champions are "
            f"{pct(champions / total)}."
        )
    mix = {r["lifecycle_stage"]: r["customer_count"] for r in data["lifecycle_mix"]}
    if mix:
        total = sum(mix.values())
        live = sum(mix.get(stage, 0) for stage in ("new", "active", "reactivated"))
        said["lifecycle_mix"] = (
            f"{pct(live / total)} of the {total:,} customers who ever bought are new, active or reactivated; "
            f"{pct(mix.get('at_risk', 0) / total)} are at risk and {pct(mix.get('churned', 0) / total)} have churned."
        )
    cohorts = data["cohort_retention"]
    if cohorts:

        def mean_retention(months: int) -> float | None:
            values = [r["retention_rate"] for r in cohorts if r["months_since_acquisition"] == months]
            return sum(values) / len(values) if values else None

        said["cohort_retention"] = (
            f"On average {pct(mean_retention(1))} of a cohort buy again in their first month after acquisition "
            f"and {pct(mean_retention(12))} in month 12."
        )
    churn = data["churn_trend"]
    if churn:
        recent = [r["churn_rate"] for r in churn[-12:] if r["churn_rate"] is not None]
        said["churn_trend"] = (
            f"Monthly churn averaged {pct(sum(recent) / len(recent) if recent else None, 1)} over the last "
            f"{len(recent)} months and was {pct(churn[-1]['churn_rate'], 1)} in {churn[-1]['calendar_month'][:7]}."
        )
    moves = data["segment_migration"]
    if moves["rows"]:
        total = sum(r["customer_count"] for r in moves["rows"])
        kept = sum(r["customer_count"] for r in moves["rows"] if r["from_class"] == r["to_class"])
        into_a = sum(r["customer_count"] for r in moves["rows"] if r["to_class"] == "A" and r["from_class"] != "A")
        out_of_a = sum(r["customer_count"] for r in moves["rows"] if r["from_class"] == "A" and r["to_class"] != "A")
        said["segment_migration"] = (
            f"Of the {total:,} customers on {moves['from_period']}, {pct(kept / total)} were in the same ABC class on "
            f"{moves['to_period']}; {into_a:,} moved up into A and {out_of_a:,} fell out of it."
        )
    else:
        said["segment_migration"] = (
            f"The segment history has {moves['periods_recorded']} recorded month-end(s); migration needs two "
            "(run `make history`)."
        )
    highlights = data["clv_highlights"]
    if data["clv_value_shift"] and highlights["median_a_predicted_clv"] is not None:
        said["clv_value_shift"] = (
            f"{highlights['c_customers_above_median_a']:,} of today's {highlights['c_customers']:,} C customers are "
            f"predicted to be worth more over the next year than today's median A customer "
            f"({money(highlights['median_a_predicted_clv'])}); all customers together are predicted to bring "
            f"{money(highlights['total_predicted_clv'])}."
        )
    else:
        said["clv_value_shift"] = "Too little data to fit the CLV models (see clv_model_parameters)."
    calibration = data["clv_calibration"]
    if calibration:
        predicted = sum(r["predicted_holdout_purchases"] or 0 for r in calibration)
        actual = sum(r["actual_holdout_purchases"] for r in calibration)
        said["clv_calibration"] = (
            f"Fitted on the data up to the holdout, the model predicted {predicted:,.0f} purchases in the holdout; "
            f"customers made {actual:,} ({pct(predicted / actual - 1 if actual else None, 1)} off)."
        )
    rules = data["data_quality"]
    if rules:
        failing = [r for r in rules if r["rows_failing"]]
        worst = rules[0]
        said["data_quality"] = (
            f"{len(failing)} of {len(rules)} data-quality rules found problems; the most frequent is "
            f"{worst['rule_name'].replace('_', ' ')} on {worst['table_name']} ({pct(worst['failing_share'], 1)} of "
            f"{worst['rows_checked']:,} {worst['checked_unit']})."
        )
    identity = data["identity_resolution"]
    if identity:
        records = sum(r["record_count"] for r in identity)
        merged = sum(r["record_count"] for r in identity if r["match_rule"] != "single_record")
        said["identity_resolution"] = (
            f"{records:,} source customer records resolve to {data['kpis']['resolved_customers']:,} customers: "
            f"{merged:,} records were merged with another, "
            + ", ".join(
                f"{r['record_count']:,} by {r['match_rule'].replace('_', ' ')}"
                for r in identity
                if r["match_rule"] != "single_record"
            )
            + "."
        )
    return said


def layout(fig: go.Figure, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        template="plotly_white",
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend={"orientation": "h", "y": -0.2},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig


def figures(data: dict) -> dict[str, go.Figure]:
    figs: dict[str, go.Figure] = {}
    curve = data["whale_curve"]
    figs["whale_curve"] = layout(
        go.Figure(
            [
                go.Scatter(
                    x=[0] + [r["cumulative_customer_share"] for r in curve],
                    y=[0] + [r["cumulative_net_profit_share"] for r in curve],
                    mode="lines",
                    name="net profit",
                    line={"color": "#2166ac", "width": 3},
                ),
                go.Scatter(
                    x=[0, 1],
                    y=[1, 1],
                    mode="lines",
                    name="total net profit (100%)",
                    line={"color": "#999", "dash": "dot"},
                ),
            ]
        )
        .update_xaxes(tickformat=".0%")
        .update_yaxes(tickformat=".0%"),
        "customers, most profitable first (cumulative share)",
        "cumulative share of net profit",
    )
    deciles = data["profit_deciles"]
    figs["profit_deciles"] = layout(
        go.Figure(
            [
                go.Bar(
                    x=[r["profit_decile"] for r in deciles],
                    y=[r["net_profit_share"] for r in deciles],
                    marker_color=["#1b7837" if r["net_profit"] >= 0 else "#b2182b" for r in deciles],
                    text=[pct(r["net_profit_share"]) for r in deciles],
                    textposition="outside",
                    name="net profit share",
                ),
            ]
        )
        .update_yaxes(tickformat=".0%")
        .update_xaxes(dtick=1),
        "profit decile (1 = most profitable tenth)",
        "share of net profit",
    )
    abc = sorted(data["abc_economics"], key=lambda r: ABC_ORDER.index(r["abc_class"]))
    classes = [r["abc_class"] for r in abc]
    figs["abc_economics"] = layout(
        go.Figure(
            [
                go.Bar(
                    x=classes, y=[r["customer_share"] for r in abc], name="share of customers", marker_color="#9ecae1"
                ),
                go.Bar(
                    x=classes,
                    y=[r["net_profit_share"] for r in abc],
                    name="share of net profit",
                    marker_color="#1b7837",
                ),
                go.Scatter(
                    x=classes,
                    y=[r["cost_to_serve_per_customer"] for r in abc],
                    name="cost to serve per customer",
                    mode="lines+markers+text",
                    text=[money(r["cost_to_serve_per_customer"]) for r in abc],
                    textposition="top center",
                    yaxis="y2",
                    line={"color": "#d6604d"},
                ),
            ]
        ).update_layout(
            barmode="group",
            yaxis={"tickformat": ".0%"},
            yaxis2={"title": "cost to serve per customer", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        ),
        "ABC class",
        "share",
    )
    grid = data["rfm_grid"]
    recency = sorted({r["recency_score"] for r in grid})
    frequency = sorted({r["frequency_monetary_score"] for r in grid})
    counts = {(r["recency_score"], r["frequency_monetary_score"]): r for r in grid}
    figs["rfm_grid"] = layout(
        go.Figure(
            go.Heatmap(
                x=[str(f) for f in frequency],
                y=[str(r) for r in recency],
                z=[[counts.get((r, f), {}).get("customer_count", 0) for f in frequency] for r in recency],
                text=[
                    [(counts.get((r, f), {}).get("rfm_segment") or "").replace("_", " ") for f in frequency]
                    for r in recency
                ],
                texttemplate="%{text}<br>%{z}",
                colorscale="Blues",
                colorbar={"title": "customers"},
            )
        ),
        "frequency-monetary score (5 = buys most, spends most)",
        "recency score (5 = bought most recently)",
        420,
    )
    mix = {r["lifecycle_stage"]: r["customer_count"] for r in data["lifecycle_mix"]}
    stages = [s for s in STAGE_ORDER if s in mix] + sorted(set(mix) - set(STAGE_ORDER))
    figs["lifecycle_mix"] = layout(
        go.Figure(
            go.Bar(
                x=stages,
                y=[mix[s] for s in stages],
                marker_color="#4393c3",
                text=[f"{mix[s]:,}" for s in stages],
                textposition="outside",
            )
        ),
        "lifecycle stage",
        "customers",
    )
    cohorts = data["cohort_retention"]
    cohort_months = sorted({r["acquisition_cohort_month"] for r in cohorts})
    offsets = sorted({r["months_since_acquisition"] for r in cohorts})
    rates = {(r["acquisition_cohort_month"], r["months_since_acquisition"]): r["retention_rate"] for r in cohorts}
    figs["cohort_retention"] = layout(
        go.Figure(
            go.Heatmap(
                x=offsets,
                y=[c[:7] for c in cohort_months],
                z=[[rates.get((c, o)) for o in offsets] for c in cohort_months],
                colorscale="YlGnBu",
                zmin=0,
                zmax=max([v for (c, o), v in rates.items() if o > 0] or [1]),
                colorbar={"title": "retention", "tickformat": ".0%"},
                hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra></extra>",
            )
        ).update_yaxes(autorange="reversed"),
        "months since acquisition",
        "acquisition cohort",
        560,
    )
    churn = data["churn_trend"]
    figs["churn_trend"] = layout(
        go.Figure(
            go.Scatter(
                x=[r["calendar_month"] for r in churn],
                y=[r["churn_rate"] for r in churn],
                mode="lines+markers",
                line={"color": "#b2182b"},
                name="churn rate",
            )
        ).update_yaxes(tickformat=".1%"),
        "month",
        "monthly churn rate",
    )
    moves = data["segment_migration"]
    from_classes = [c for c in ABC_ORDER if any(r["from_class"] == c for r in moves["rows"])]
    to_classes = [c for c in ABC_ORDER if any(r["to_class"] == c for r in moves["rows"])]
    cells = {(r["from_class"], r["to_class"]): r["customer_count"] for r in moves["rows"]}
    figs["segment_migration"] = layout(
        go.Figure(
            go.Heatmap(
                x=to_classes,
                y=from_classes,
                z=[[cells.get((f, t), 0) for t in to_classes] for f in from_classes],
                texttemplate="%{z}",
                colorscale="Purples",
                colorbar={"title": "customers"},
            )
        ).update_yaxes(autorange="reversed"),
        f"ABC class on {moves['to_period']}",
        f"ABC class on {moves['from_period']}",
    )
    shift = data["clv_value_shift"]
    current = [c for c in ABC_ORDER if any(r["current_abc_class"] == c for r in shift)]
    predicted = [c for c in ABC_ORDER if any(r["predicted_abc_class"] == c for r in shift)]
    counts = {(r["current_abc_class"], r["predicted_abc_class"]): r["customer_count"] for r in shift}
    figs["clv_value_shift"] = layout(
        go.Figure(
            go.Heatmap(
                x=predicted,
                y=current,
                z=[[counts.get((c, p), 0) for p in predicted] for c in current],
                texttemplate="%{z}",
                colorscale="Greens",
                colorbar={"title": "customers"},
            )
        ).update_yaxes(autorange="reversed"),
        "ABC class the predicted CLV would give",
        "ABC class today",
    )
    calibration = data["clv_calibration"]
    labels = [r["calibration_frequency_label"] for r in calibration]
    figs["clv_calibration"] = layout(
        go.Figure(
            [
                go.Bar(
                    x=labels,
                    y=[r["actual_purchases_per_customer"] for r in calibration],
                    name="actual",
                    marker_color="#2166ac",
                ),
                go.Bar(
                    x=labels,
                    y=[r["predicted_purchases_per_customer"] for r in calibration],
                    name="predicted",
                    marker_color="#f4a582",
                ),
            ]
        ).update_layout(barmode="group"),
        "repeat purchases before the holdout",
        "holdout purchases per customer",
    )
    rules = [r for r in data["data_quality"]]
    figs["data_quality"] = layout(
        go.Figure(
            go.Bar(
                y=[f"{r['table_name']}: {r['rule_name']}" for r in rules],
                x=[r["failing_share"] for r in rules],
                orientation="h",
                marker_color=["#b2182b" if r["rows_failing"] else "#1b7837" for r in rules],
                text=[f"{r['rows_failing']:,} of {r['rows_checked']:,}" for r in rules],
                textposition="outside",
            )
        )
        .update_xaxes(tickformat=".1%")
        .update_yaxes(autorange="reversed"),
        "share of rows failing",
        "",
        max(320, 24 * len(rules) + 80),
    )
    identity = data["identity_resolution"]
    figs["identity_resolution"] = layout(
        go.Figure(
            [
                go.Bar(
                    x=[r["match_rule"] for r in identity],
                    y=[r["record_count"] for r in identity],
                    name="source records",
                    marker_color="#9ecae1",
                ),
                go.Bar(
                    x=[r["match_rule"] for r in identity],
                    y=[r["customer_count"] for r in identity],
                    name="resolved customers",
                    marker_color="#2166ac",
                ),
            ]
        ).update_layout(barmode="group"),
        "rule that linked the record",
        "count",
    )
    return figs


SECTIONS = (
    ("whale_curve", "Whale curve: who earns the profit"),
    ("profit_deciles", "Net profit by profit decile"),
    ("abc_economics", "ABC classes and what they cost to serve"),
    ("rfm_grid", "RFM grid"),
    ("lifecycle_mix", "Lifecycle stage mix"),
    ("cohort_retention", "Cohort retention"),
    ("churn_trend", "Churn trend"),
    ("segment_migration", "Segment migration between two month-ends"),
    ("clv_value_shift", "Predicted value: today's class and tomorrow's"),
    ("clv_calibration", "How well the value model predicts: calibration against a holdout"),
    ("data_quality", "Data-quality scorecard"),
    ("identity_resolution", "Identity resolution"),
)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Customer value report, as of {as_of}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; color: #222; }}
h1 {{ margin-bottom: 4px; }} .meta {{ color: #666; font-size: 13px; }}
.kpis {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 20px 0; }}
.kpi {{ background: #f4f6f8; border-radius: 6px; padding: 12px; }}
.kpi b {{ display: block; font-size: 22px; }} .kpi span {{ color: #555; font-size: 13px; }}
section {{ margin: 32px 0; }} .reading {{ font-size: 16px; background: #fffbe6; padding: 8px 12px; }}
#report-errors {{ display: none; background: #fde0e0; padding: 12px; }}
</style>
<script>
window.reportErrors = [];
window.addEventListener("error", function (event) {{
  window.reportErrors.push(String(event.message));
  var box = document.getElementById("report-errors");
  if (box) {{
    box.style.display = "block"; box.textContent = "A chart failed to render: " + window.reportErrors.join("; ");
  }}
}});
</script>
<script id="chart-library">{plotly_js}</script>
</head>
<body>
<div id="report-errors"></div>
<h1>Customer value report</h1>
<p class="meta">As of {as_of} &middot; publication {publication_id} &middot; built {built_at} UTC</p>
<p class="reading" data-chart="kpis">{kpi_sentence}</p>
<div class="kpis">{kpi_tiles}</div>
{sections}
<script type="application/json" id="report-data">{data_json}</script>
</body>
</html>
"""


def render(data: dict, said: dict[str, str], figs: dict[str, go.Figure]) -> str:
    kpis = data["kpis"]
    tiles = [
        ("customers", f"{kpis['resolved_customers']:,}", "resolved customers"),
        ("window", f"{kpis['customers_in_window']:,}", "bought in the window"),
        ("revenue", money(kpis["revenue"]), "revenue in the window"),
        ("net_profit", money(kpis["net_profit"]), "net profit after cost to serve"),
        ("cost_to_serve", money(kpis["cost_to_serve"]), "cost to serve"),
        ("loss_making", f"{kpis['loss_making_customers']:,}", "loss-making customers"),
        ("live", f"{kpis['live_customers']:,}", "new, active or reactivated"),
        ("churn", pct(kpis["latest_month_churn_rate"], 1), f"churn in {str(kpis['latest_month'])[:7]}"),
    ]
    sections = []
    config = {"displaylogo": False, "responsive": True}
    for key, title in SECTIONS:
        chart = figs[key].to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{key}", config=config)
        sections.append(
            f'<section id="{key}"><h2>{html.escape(title)}</h2>'
            f'<p class="reading" data-chart="{key}">{html.escape(said.get(key, ""))}</p>{chart}</section>'
        )
    # "</" cannot appear inside the JSON script element
    data_json = json.dumps({"sentences": said, **data}, default=plain).replace("</", "<\\/")
    publication = data["publication"]
    return PAGE.format(
        as_of=html.escape(str(publication["as_of_date"])),
        publication_id=html.escape(str(publication["publication_id"])),
        built_at=html.escape(str(publication["built_at"])[:19]),
        plotly_js=get_plotlyjs(),
        kpi_sentence=html.escape(said["kpis"]),
        kpi_tiles="".join(
            f'<div class="kpi" data-kpi="{key}"><b>{html.escape(value)}</b><span>{html.escape(label)}</span></div>'
            for key, value, label in tiles
        ),
        sections="\n".join(sections),
        data_json=data_json,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--serving-dir",
        type=Path,
        default=Path(os.environ.get("CRM_SERVING_DIR", REPO / "serving")),
        help="the published serving copy's folder (default: $CRM_SERVING_DIR or serving/)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="HTML file to write (default: <serving dir>/report.html)"
    )
    parser.add_argument(
        "--migration-from",
        type=month,
        help="earlier month-end of the migration chart, YYYY-MM (default: twelve months before --migration-to)",
    )
    parser.add_argument("--migration-to", type=month, help="later month-end, YYYY-MM (default: the latest recorded)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    serving = args.serving_dir / "crm.duckdb"
    out = args.out or args.serving_dir / "report.html"
    try:
        if not serving.exists():
            raise ReportError(f"{serving}: no published serving copy; run `make build` (or scripts/publish.py) first")
        con = duckdb.connect(str(serving), read_only=True)
        try:
            data = collect(con, args.migration_from, args.migration_to)
        finally:
            con.close()
        said = sentences(data)
        page = render(data, said, figures(data))
    except ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.tmp")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, out)
    print(
        f"report: {out} ({len(page) / 1e6:.1f} MB, as of {data['publication']['as_of_date']}) in "
        f"{time.perf_counter() - started:.1f}s"
    )
    for key, _ in (("kpis", ""),) + SECTIONS:
        if key in said:
            print(f"  {said[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
