"""How the report writes numbers and dates."""

from __future__ import annotations

import datetime as dt
import decimal


def plain(value: object) -> object:
    """JSON-ready: decimals as floats, dates as ISO strings."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def pct(share: float | None, digits: int = 0) -> str:
    # + 0.0 turns a rounded -0 into 0
    return "n/a" if share is None else f"{round(share * 100, digits) + 0.0:.{digits}f}%"


def money(value: float | None, currency: str = "") -> str:
    """An amount, short (17.1m, 249, 26.23), after its currency code when one is given."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if value >= limit:
            number = f"{value / limit:.1f}{suffix}"
            break
    else:
        number = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return f"{currency} {sign}{number}" if currency else f"{sign}{number}"


def currency_of(data: dict) -> str:
    """The build's currency (warehouse_settings), or nothing when the data does not say."""
    return str((data.get("settings") or {}).get("currency") or "")


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def label(name: str) -> str:
    """A code as words: at_risk -> at risk."""
    return name.replace("_", " ")
