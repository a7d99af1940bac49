-- The CLV scores where the fit cannot run (see int_clv__parameters here): every customer of
-- every fit period with the inputs the model would read and null predictions.
with

summary as (
    select * from {{ ref('int_clv__customer_summary') }}
)

select
    fit_period,
    customer_key,
    as_of_date,
    frequency,
    recency,
    age,
    monetary_value,
    cast(null as {{ type_double() }}) as probability_alive,
    cast(null as {{ type_double() }}) as expected_purchases,
    cast(null as {{ type_double() }}) as expected_spend,
    cast(null as {{ type_double() }}) as predicted_clv
from summary
