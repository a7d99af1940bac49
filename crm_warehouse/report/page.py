"""The report page: one HTML file with the chart library, every chart, its sentence and the
charted numbers as JSON."""

from __future__ import annotations

import html
import json

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from crm_warehouse.report.formatting import currency_of, money, pct, plain

SECTIONS = (
    ("whale_curve", "Whale curve: who earns the profit"),
    ("profit_deciles", "Net profit by profit decile"),
    ("abc_economics", "ABC classes and what they cost to serve"),
    ("customer_types", "Consumers, companies and government: what each type earns and costs"),
    ("channel_mix", "Which channel serves which class at which lifecycle stage, at what cost"),
    ("rfm_grid", "RFM grid"),
    ("lifecycle_mix", "Lifecycle stage mix"),
    ("cohort_retention", "Cohort retention"),
    ("churn_trend", "Churn trend"),
    ("segment_migration", "Segment migration between two month-ends"),
    ("clv_value_shift", "Predicted value: today's class and tomorrow's"),
    ("clv_calibration", "How well the value model predicts: calibration against a holdout"),
    ("service_levels", "Service levels: what serving each class costs against what it earns"),
    ("campaigns", "Campaign audiences within their budgets, with control groups"),
    ("data_quality", "Data-quality scorecard"),
    ("quality_by_source", "Which source system delivers the failing rows"),
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
<p class="meta">As of {as_of} &middot; amounts in {currency} &middot; publication {publication_id}
&middot; built {built_at} UTC</p>
<p class="reading" data-chart="kpis">{kpi_sentence}</p>
<div class="kpis">{kpi_tiles}</div>
{sections}
<script type="application/json" id="report-data">{data_json}</script>
</body>
</html>
"""


def kpi_tiles(kpis: dict, currency: str) -> str:
    tiles = [
        ("customers", f"{kpis['resolved_customers']:,}", "resolved customers"),
        ("window", f"{kpis['customers_in_window']:,}", "bought in the window"),
        ("revenue", money(kpis["revenue"], currency), "revenue in the window"),
        ("net_profit", money(kpis["net_profit"], currency), "net profit after cost to serve"),
        ("cost_to_serve", money(kpis["cost_to_serve"], currency), "cost to serve"),
        ("loss_making", f"{kpis['loss_making_customers']:,}", "loss-making customers"),
        ("live", f"{kpis['live_customers']:,}", "new, active or reactivated"),
        ("churn", pct(kpis["latest_month_churn_rate"], 1), f"churn in {str(kpis['latest_month'])[:7]}"),
    ]
    return "".join(
        f'<div class="kpi" data-kpi="{key}"><b>{html.escape(value)}</b><span>{html.escape(label)}</span></div>'
        for key, value, label in tiles
    )


def render(data: dict, said: dict[str, str], figs: dict[str, go.Figure]) -> str:
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
        kpi_tiles=kpi_tiles(data["kpis"], currency_of(data)),
        currency=html.escape(currency_of(data) or "one currency"),
        sections="\n".join(sections),
        data_json=data_json,
    )
