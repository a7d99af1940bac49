-- The tracked segment values of every customer who had bought by the as-of date: the state the
-- segment history snapshot records (ABC class, decile and RFM segment are null for customers
-- with no sale in the profitability window).
with

lifecycle as (
    select * from {{ ref('customer_lifecycle') }}
),

segments as (
    select * from {{ ref('customer_segments') }}
)

select
    lifecycle.customer_key,
    lifecycle.as_of_date,
    cast(lifecycle.as_of_date as timestamp) as as_of_at,
    segments.abc_class,
    segments.profit_decile,
    segments.rfm_segment,
    lifecycle.lifecycle_stage
from lifecycle
left join segments on lifecycle.customer_key = segments.customer_key
