"""Lint-time stand-in for dbt's cross-database macros (`dbt.dateadd(...)` and friends).

Each renders as a plain SQL call of the same name, e.g. `dateadd(hour, 24, loaded_at)`; the
few whose arguments are not plain expressions render as their DuckDB form.
"""


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def generate_series(upper_bound):
    return f"select generate_series as generated_number from generate_series(1, {upper_bound})"


def date_spine(datepart, start_date, end_date):
    return f"select range as date_{datepart} from range({start_date}, {end_date}, interval 1 {datepart})"


def __getattr__(macro_name):
    def render(*args, **kwargs):
        return f"{macro_name}({', '.join(str(a) for a in [*args, *kwargs.values()])})"

    return render
