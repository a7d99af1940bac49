-- The fitted BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, gamma) parameters and the fit
-- quality, per fit period: `as_of` scores customer_lifetime_value; `calibration` (purchases up
-- to clv_holdout_days before the as-of date) is checked against the holdout in clv_calibration.

select
    fit_period,
    cast(as_of_date as date) as as_of_date,
    cast(period_end_date as date) as period_end_date,
    status,
    {{ var('clv_time_unit_days') }} as time_unit_days,
    r,
    alpha,
    a,
    b,
    bgnbd_log_likelihood,
    p,
    q,
    gamma,
    gamma_gamma_log_likelihood,
    cast(customer_count as bigint) as customer_count,
    cast(repeat_customer_count as bigint) as repeat_customer_count,
    frequency_spend_correlation,
    is_converged,
    fit_seconds
from {{ ref('int_clv__parameters') }}
