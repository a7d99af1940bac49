-- One row: the settings every figure of this build was computed with (the currency, the
-- profitability window, the ABC value and shares, the lifecycle thresholds, the CLV horizon),
-- so a BI user or the report can say "in USD, over the 12 months up to the as-of date" without
-- the project's files. The vars are validated before anything is built (validate_vars).
select
    cast('{{ var("currency") }}' as {{ type_text() }}) as currency,
    cast({{ var('profitability_window_months') }} as integer) as profitability_window_months,
    cast('{{ var("abc_value_metric") }}' as {{ type_text() }}) as abc_value_metric,
    cast({{ var('abc_a_share') }} as {{ type_double() }}) as abc_a_share,
    cast({{ var('abc_b_share') }} as {{ type_double() }}) as abc_b_share,
    cast({{ var('strategic_share') }} as {{ type_double() }}) as strategic_share,
    cast({{ var('new_customer_days') }} as integer) as new_customer_days,
    cast({{ var('active_days') }} as integer) as active_days,
    cast({{ var('churn_days') }} as integer) as churn_days,
    cast({{ var('clv_horizon_months') }} as integer) as clv_horizon_months
