-- The classic calibration check of the BG/NBD model, as a table: customers grouped by their
-- repeat purchases in the calibration period (0 to 6, and 7 or more), with the purchases the
-- calibration fit expected of them in the holdout and the purchases they actually made.

with

calibration as (
    select * from {{ ref('int_clv__scores') }}
    where fit_period = 'calibration'
),

summary as (
    select * from {{ ref('int_clv__customer_summary') }}
    where fit_period = 'calibration'
),

joined as (
    select
        calibration.as_of_date,
        least(calibration.frequency, 7) as calibration_frequency,
        calibration.expected_purchases,
        summary.holdout_purchase_count
    from calibration
    inner join summary on calibration.customer_key = summary.customer_key
)

select
    cast(calibration_frequency as integer) as calibration_frequency,
    case when calibration_frequency = 7 then '7+' else cast(calibration_frequency as {{ type_text() }}) end
        as calibration_frequency_label,
    cast(max(as_of_date) as date) as as_of_date,
    count(*) as customer_count,
    cast(sum(holdout_purchase_count) as bigint) as actual_holdout_purchases,
    sum(expected_purchases) as predicted_holdout_purchases,
    cast(avg(holdout_purchase_count) as {{ type_double() }}) as actual_purchases_per_customer,
    cast(avg(expected_purchases) as {{ type_double() }}) as predicted_purchases_per_customer
from joined
group by calibration_frequency
