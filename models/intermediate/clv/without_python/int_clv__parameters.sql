-- The CLV parameters where the fit cannot run (an engine without dbt Python models, or
-- clv_fit: false): one row per fit period with status not_fitted and null parameters, so the
-- CLV marts say why they hold no predictions and campaigns fall back to the lifecycle rules.
-- The columns are those of the fitted model (models/intermediate/clv/python/).
with

summary as (
    select * from {{ ref('int_clv__customer_summary') }}
),

periods as (
    select
        fit_period,
        max(as_of_date) as as_of_date,
        max(period_end_date) as period_end_date,
        count(*) as customer_count,
        {{ count_where('frequency > 0 and monetary_value > 0') }} as repeat_customer_count
    from summary
    group by fit_period
)

select
    fit_period,
    'not_fitted' as status,
    as_of_date,
    period_end_date,
    cast(null as {{ type_double() }}) as r,
    cast(null as {{ type_double() }}) as alpha,
    cast(null as {{ type_double() }}) as a,
    cast(null as {{ type_double() }}) as b,
    cast(null as {{ type_double() }}) as bgnbd_log_likelihood,
    cast(null as {{ type_double() }}) as p,
    cast(null as {{ type_double() }}) as q,
    cast(null as {{ type_double() }}) as gamma,
    cast(null as {{ type_double() }}) as gamma_gamma_log_likelihood,
    cast(customer_count as bigint) as customer_count,
    cast(repeat_customer_count as bigint) as repeat_customer_count,
    cast(null as {{ type_double() }}) as frequency_spend_correlation,
    cast(null as boolean) as is_converged,
    cast(null as {{ type_double() }}) as fit_seconds
from periods
