-- Predicted customer lifetime value as of the as-of date, per customer who has bought by then:
-- the BG/NBD probability of being alive and expected purchases over the next
-- clv_horizon_months months, the Gamma-Gamma expected revenue per purchase, and their
-- discounted product (clv_monthly_discount_rate per month). With the CLV decile and the ABC
-- class the predicted value would give (same shares as today's ABC classes), next to today's.

with

scores as (
    select * from {{ ref('int_clv__scores') }}
    where fit_period = 'as_of'
),

segments as (
    select * from {{ ref('customer_segments') }}
),

ranked as (
    select
        scores.*,
        sum(greatest(scores.predicted_clv, 0)) over (
            order by scores.predicted_clv desc, scores.customer_key asc
            rows between unbounded preceding and current row
        ) as running_positive_value,
        sum(greatest(scores.predicted_clv, 0)) over () as total_positive_value,
        ntile(10) over (order by scores.predicted_clv desc, scores.customer_key asc) as clv_decile
    from scores
)

select
    ranked.customer_key,
    cast(ranked.as_of_date as date) as as_of_date,
    ranked.frequency as repeat_purchase_count,
    ranked.recency,
    ranked.age,
    ranked.monetary_value,
    ranked.probability_alive,
    ranked.expected_purchases,
    {{ cents('ranked.expected_spend', from_float=true) }} as expected_spend,
    {{ cents('ranked.predicted_clv', from_float=true) }} as predicted_clv,
    case when ranked.predicted_clv is not null then cast(ranked.clv_decile as integer) end as clv_decile,
    coalesce(segments.abc_class, 'none') as current_abc_class,
    case
        when ranked.predicted_clv is not null
            then {{ abc_class('ranked.predicted_clv', 'ranked.running_positive_value', 'ranked.total_positive_value') }}
    end as predicted_abc_class
from ranked
left join segments on ranked.customer_key = segments.customer_key
