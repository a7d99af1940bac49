"""Lint-time stand-in for dbt's `exceptions` context object (`exceptions.raise_compiler_error`).

A macro that rejects its configuration fails the lint with the same message dbt would give.
"""

from jinja2.exceptions import TemplateRuntimeError


def raise_compiler_error(message):
    raise TemplateRuntimeError(f"Compilation Error: {message}")


def warn(message):
    return ""
