"""Lint-time stand-in for dbt's cross-database macros (`dbt.dateadd(...)` and friends).

Each renders as a plain SQL call of the same name, e.g. `dateadd(hour, 24, loaded_at)`.
"""


def __getattr__(macro_name):
    def render(*args, **kwargs):
        return f"{macro_name}({', '.join(str(a) for a in [*args, *kwargs.values()])})"

    return render
