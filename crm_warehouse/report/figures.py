"""The report's charts (plotly), one function per chart."""

from __future__ import annotations

import math
from collections.abc import Callable

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from crm_warehouse.report.formatting import currency_of, label, money, pct

ABC_ORDER = ["A", "B", "C", "none"]
STAGE_ORDER = ["new", "active", "reactivated", "at_risk", "churned"]
Drawer = Callable[[dict], go.Figure]
DRAWERS: dict[str, Drawer] = {}


def draws(key: str) -> Callable[[Drawer], Drawer]:
    def register(drawer: Drawer) -> Drawer:
        DRAWERS[key] = drawer
        return drawer

    return register


def figures(data: dict) -> dict[str, go.Figure]:
    return {key: drawer(data) for key, drawer in DRAWERS.items()}


def layout(fig: go.Figure, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 40, "b": 50},  # room for the toolbar above the plot
        template="plotly_white",
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend={"orientation": "h", "y": -0.2},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig


def money_axis(values: list, title: str) -> dict:
    """A secondary axis from 0 with round ticks (1, 2 or 5 times a power of ten, four or five of
    them) rather than plotly's split of the overlaid range into odd steps."""
    top = max([v for v in values if v is not None] or [1])
    step = 10 ** math.floor(math.log10(top / 4)) if top > 0 else 1
    step = next(m * step for m in (1, 2, 5, 10) if top / (m * step) <= 5)
    return {
        "title": title,
        "overlaying": "y",
        "side": "right",
        "range": [0, step * math.ceil(top * 1.15 / step)],
        "dtick": step,
        "tickformat": ",.0f" if step >= 1 else ",.2f",
        "showgrid": False,
    }


def bar(x: list, y: list, name: str, colour: str | list[str], **more: object) -> go.Bar:
    return go.Bar(x=x, y=y, name=name, marker_color=colour, **more)


def matrix(rows: list[dict], row_key: str, column_key: str, colours: str) -> go.Figure:
    """A from-to heatmap of customer counts, rows and columns in ABC order."""
    row_values = [c for c in ABC_ORDER if any(r[row_key] == c for r in rows)]
    column_values = [c for c in ABC_ORDER if any(r[column_key] == c for r in rows)]
    cells = {(r[row_key], r[column_key]): r["customer_count"] for r in rows}
    heatmap = go.Heatmap(
        x=column_values,
        y=row_values,
        z=[[cells.get((f, t), 0) for t in column_values] for f in row_values],
        texttemplate="%{z}",
        colorscale=colours,
        colorbar={"title": "customers"},
    )
    return go.Figure(heatmap).update_yaxes(autorange="reversed")


@draws("whale_curve")
def whale_curve(data: dict) -> go.Figure:
    curve = data["whale_curve"]
    profit = go.Scatter(
        x=[0] + [r["cumulative_customer_share"] for r in curve],
        y=[0] + [r["cumulative_net_profit_share"] for r in curve],
        mode="lines",
        name="net profit",
        line={"color": "#2166ac", "width": 3},
    )
    total = go.Scatter(
        x=[0, 1], y=[1, 1], mode="lines", name="total net profit (100%)", line={"color": "#999", "dash": "dot"}
    )
    fig = go.Figure([profit, total]).update_xaxes(tickformat=".0%").update_yaxes(tickformat=".0%")
    return layout(fig, "customers, most profitable first (cumulative share)", "cumulative share of net profit")


@draws("profit_deciles")
def profit_deciles(data: dict) -> go.Figure:
    deciles = data["profit_deciles"]
    shares = bar(
        [r["profit_decile"] for r in deciles],
        [r["net_profit_share"] for r in deciles],
        "net profit share",
        ["#1b7837" if r["net_profit"] >= 0 else "#b2182b" for r in deciles],
        text=[pct(r["net_profit_share"]) for r in deciles],
        textposition="outside",
    )
    fig = go.Figure([shares]).update_yaxes(tickformat=".0%").update_xaxes(dtick=1)
    return layout(fig, "profit decile (1 = most profitable tenth)", "share of net profit")


def shares_and_cost(rows: list[dict], segment: str, x_title: str, currency: str) -> go.Figure:
    """Per segment (segment_economics_by's rows): its share of customers and of net profit as
    bars, and the cost to serve a customer as a line on a money axis of its own."""
    names = [r[segment] for r in rows]
    per_customer = [r["cost_to_serve_per_customer"] for r in rows]
    cost = go.Scatter(
        x=names,
        y=per_customer,
        name="cost to serve per customer",
        mode="lines+markers+text",
        text=[money(value) for value in per_customer],
        textposition="top center",
        yaxis="y2",
        line={"color": "#d6604d"},
    )
    fig = go.Figure(
        [
            bar(names, [r["customer_share"] for r in rows], "share of customers", "#9ecae1"),
            bar(names, [r["net_profit_share"] for r in rows], "share of net profit", "#1b7837"),
            cost,
        ]
    ).update_layout(
        barmode="group",
        yaxis={"tickformat": ".0%"},
        yaxis2=money_axis(per_customer, f"cost to serve per customer ({currency})"),
    )
    return layout(fig, x_title, "share")


@draws("abc_economics")
def abc_economics(data: dict) -> go.Figure:
    abc = sorted(data["abc_economics"], key=lambda r: ABC_ORDER.index(r["abc_class"]))
    return shares_and_cost(abc, "abc_class", "ABC class", currency_of(data))


@draws("rfm_grid")
def rfm_grid(data: dict) -> go.Figure:
    grid = data["rfm_grid"]
    recency = sorted({r["recency_score"] for r in grid})
    frequency = sorted({r["frequency_monetary_score"] for r in grid})
    cells = {(r["recency_score"], r["frequency_monetary_score"]): r for r in grid}
    heatmap = go.Heatmap(
        x=[str(f) for f in frequency],
        y=[str(r) for r in recency],
        z=[[cells.get((r, f), {}).get("customer_count", 0) for f in frequency] for r in recency],
        text=[[label(cells.get((r, f), {}).get("rfm_segment") or "") for f in frequency] for r in recency],
        texttemplate="%{text}<br>%{z}",
        colorscale="Blues",
        colorbar={"title": "customers"},
    )
    return layout(
        go.Figure(heatmap),
        "frequency-monetary score (5 = buys most, spends most)",
        "recency score (5 = bought most recently)",
        420,
    )


@draws("lifecycle_mix")
def lifecycle_mix(data: dict) -> go.Figure:
    mix = {r["lifecycle_stage"]: r["customer_count"] for r in data["lifecycle_mix"]}
    stages = [s for s in STAGE_ORDER if s in mix] + sorted(set(mix) - set(STAGE_ORDER))
    counts = [mix[s] for s in stages]
    fig = go.Figure(
        bar(stages, counts, "customers", "#4393c3", text=[f"{n:,}" for n in counts], textposition="outside")
    )
    return layout(fig, "lifecycle stage", "customers")


@draws("cohort_retention")
def cohort_retention(data: dict) -> go.Figure:
    cohorts = data["cohort_retention"]
    cohort_months = sorted({r["acquisition_cohort_month"] for r in cohorts})
    offsets = sorted({r["months_since_acquisition"] for r in cohorts})
    rates = {(r["acquisition_cohort_month"], r["months_since_acquisition"]): r["retention_rate"] for r in cohorts}
    heatmap = go.Heatmap(
        x=offsets,
        y=[c[:7] for c in cohort_months],
        z=[[rates.get((c, o)) for o in offsets] for c in cohort_months],
        colorscale="YlGnBu",
        zmin=0,
        zmax=max([v for (c, o), v in rates.items() if o > 0] or [1]),
        colorbar={"title": "retention", "tickformat": ".0%"},
        hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra></extra>",
    )
    fig = go.Figure(heatmap).update_yaxes(autorange="reversed")
    return layout(fig, "months since acquisition", "acquisition cohort", 560)


@draws("churn_trend")
def churn_trend(data: dict) -> go.Figure:
    churn = data["churn_trend"]
    line = go.Scatter(
        x=[r["calendar_month"] for r in churn],
        y=[r["churn_rate"] for r in churn],
        mode="lines+markers",
        line={"color": "#b2182b"},
        name="churn rate",
    )
    return layout(go.Figure(line).update_yaxes(tickformat=".1%"), "month", "monthly churn rate")


@draws("segment_migration")
def segment_migration(data: dict) -> go.Figure:
    moves = data["segment_migration"]
    fig = matrix(moves["rows"], "from_class", "to_class", "Purples")
    return layout(fig, f"ABC class on {moves['to_period']}", f"ABC class on {moves['from_period']}")


@draws("clv_value_shift")
def clv_value_shift(data: dict) -> go.Figure:
    fig = matrix(data["clv_value_shift"], "current_abc_class", "predicted_abc_class", "Greens")
    return layout(fig, "ABC class the predicted CLV would give", "ABC class today")


@draws("clv_calibration")
def clv_calibration(data: dict) -> go.Figure:
    calibration = data["clv_calibration"]
    labels = [r["calibration_frequency_label"] for r in calibration]
    fig = go.Figure(
        [
            bar(labels, [r["actual_purchases_per_customer"] for r in calibration], "actual", "#2166ac"),
            bar(labels, [r["predicted_purchases_per_customer"] for r in calibration], "predicted", "#f4a582"),
        ]
    ).update_layout(barmode="group")
    return layout(fig, "repeat purchases before the holdout", "holdout purchases per customer")


@draws("service_levels")
def service_levels(data: dict) -> go.Figure:
    """Two panels with their own scales: what each class earns is often 50 times what its service
    policy costs, which would leave the policy's bars invisible on one axis."""
    levels, cur = data["service_levels"], currency_of(data)
    classes = [f"{r['abc_class']}: {label(r['service_level'])}" for r in levels]
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("what each class earns and is predicted to bring", "what its service policy costs"),
        horizontal_spacing=0.12,
    )
    fig.add_trace(bar(classes, [r["net_profit"] for r in levels], "net profit in the window", "#1b7837"), 1, 1)
    fig.add_trace(
        bar(classes, [r["predicted_clv"] for r in levels], "predicted value over the CLV horizon", "#9ecae1"), 1, 1
    )
    policy = [r["window_policy_cost"] for r in levels]
    fig.add_trace(
        bar(
            classes,
            policy,
            "service policy cost in the window",
            "#d6604d",
            text=[money(v) for v in policy],
            textposition="outside",
            cliponaxis=False,
        ),
        1,
        2,
    )
    layout(fig.update_layout(barmode="group"), "", "", 400)
    fig.update_yaxes(tickformat="~s", title_text=cur, row=1, col=1)
    fig.update_yaxes(tickformat="~s", title_text=cur, row=1, col=2)
    return fig


@draws("campaigns")
def campaigns(data: dict) -> go.Figure:
    listed = data["campaigns"]
    names = [r["campaign_id"] for r in listed]
    fig = go.Figure(
        [
            bar(names, [r["treatment_customers"] for r in listed], "contacted (treatment)", "#2166ac"),
            bar(names, [r["control_customers"] for r in listed], "held out (control)", "#bbbbbb"),
            bar(names, [r["suppressed_customers"] for r in listed], "suppressed", "#b2182b"),
        ]
    ).update_layout(barmode="group")
    return layout(fig, "campaign", "customers")


@draws("data_quality")
def data_quality(data: dict) -> go.Figure:
    rules = data["data_quality"]
    failing = go.Bar(
        y=[f"{r['table_name']}: {label(r['rule_name'])}" for r in rules],
        x=[r["failing_share"] for r in rules],
        orientation="h",
        marker_color=["#b2182b" if r["rows_failing"] else "#1b7837" for r in rules],
        text=[f"{r['rows_failing']:,} of {r['rows_checked']:,}" for r in rules],
        textposition="outside",
        cliponaxis=False,
    )
    # room right of the longest bar for its label
    widest = max([r["failing_share"] for r in rules] or [0])
    fig = go.Figure(failing).update_xaxes(tickformat=".1%", range=[0, max(widest * 1.3, 0.01)])
    fig.update_yaxes(autorange="reversed")
    return layout(fig, "share of rows failing", "", max(320, 24 * len(rules) + 80))


@draws("identity_resolution")
def identity_resolution(data: dict) -> go.Figure:
    identity = data["identity_resolution"]
    rules = [r["match_rule"] for r in identity]
    fig = go.Figure(
        [
            bar(rules, [r["record_count"] for r in identity], "source records", "#9ecae1"),
            bar(rules, [r["customer_count"] for r in identity], "resolved customers", "#2166ac"),
        ]
    ).update_layout(barmode="group")
    return layout(fig, "rule that linked the record", "count")


@draws("customer_types")
def customer_types(data: dict) -> go.Figure:
    types = [r for r in data["customer_types"] if r["customer_count"]]
    return shares_and_cost(types, "customer_type", "customer type", currency_of(data))


@draws("channel_mix")
def channel_mix(data: dict) -> go.Figure:
    mix = data["channel_mix"]
    revenue_by_channel: dict[str, float] = {}
    for r in mix:
        revenue_by_channel[r["channel"]] = revenue_by_channel.get(r["channel"], 0) + r["revenue"]
    channels = sorted(revenue_by_channel, key=lambda c: -revenue_by_channel[c])
    cells = sorted(
        {(r["abc_class"], r["lifecycle_stage"]) for r in mix},
        key=lambda c: (ABC_ORDER.index(c[0]), STAGE_ORDER.index(c[1]) if c[1] in STAGE_ORDER else 99),
    )
    by_cell = {(r["abc_class"], r["lifecycle_stage"], r["channel"]): r for r in mix}

    def text(row: dict | None) -> str:
        if not row:
            return ""
        if not row["order_count"]:
            return f"{pct(row['revenue_share'])}<br>returns only"
        return f"{pct(row['revenue_share'])}<br>{money(row['cost_to_serve_per_order'])}/order"

    heatmap = go.Heatmap(
        x=channels,
        y=[f"{abc} · {label(stage)}" for abc, stage in cells],
        z=[[(by_cell.get((*cell, c)) or {}).get("revenue_share") for c in channels] for cell in cells],
        text=[[text(by_cell.get((*cell, c))) for c in channels] for cell in cells],
        texttemplate="%{text}",
        colorscale="Blues",
        zmin=0,
        zmax=1,
        colorbar={"title": "share of revenue", "tickformat": ".0%"},
        hovertemplate="%{y}, %{x}: %{z:.1%} of revenue<extra></extra>",
    )
    fig = go.Figure(heatmap).update_yaxes(autorange="reversed")
    return layout(fig, "sales channel", "ABC class · lifecycle stage", max(320, 34 * len(cells) + 100))


@draws("quality_by_source")
def quality_by_source(data: dict) -> go.Figure:
    rows = data["quality_by_source"]
    rules = sorted({(r["table_name"], r["rule_name"]) for r in rows})
    sources = sorted({r["source_system"] for r in rows})
    failing = {(r["source_system"], r["table_name"], r["rule_name"]): r["rows_failing"] for r in rows}
    palette = ["#2166ac", "#d6604d", "#1b7837", "#762a83", "#e08214", "#878787", "#4393c3", "#b2182b"]
    bars = [
        go.Bar(
            y=[f"{table}: {label(rule)}" for table, rule in rules],
            x=[failing.get((source, *rule), 0) for rule in rules],
            name=source,
            orientation="h",
            marker_color=palette[index % len(palette)],
        )
        for index, source in enumerate(sources)
    ]
    fig = go.Figure(bars).update_layout(barmode="stack").update_yaxes(autorange="reversed")
    return layout(fig, "failing rows", "", max(320, 24 * len(rules) + 100))
