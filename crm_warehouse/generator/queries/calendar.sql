-- Daily demand weights of the business calendar: growth over the span, a November and
-- December peak, quieter January and February, busier weekends; cumulative for sampling.
create table calendar as
with days as (
    select
        t.i::int as day_offset,
        date '{{ start_date }}' + t.i::int as business_date
    from range({{ span_days + 1 }}) as t (i)
),

weighted as (
    select
        day_offset,
        business_date,
        (1 + 0.6 * day_offset / {{ span_days }})
        * case
            when month(business_date) in (11, 12) then 1.6
            when month(business_date) in (1, 2) then 0.8
            else 1.0
        end
        * case when dayofweek(business_date) in (0, 6) then 1.25 else 1.0 end as weight
    from days
)

select
    day_offset,
    business_date,
    sum(weight) over (order by day_offset) as cum_weight,
    coalesce(
        sum(weight) over (order by day_offset rows between unbounded preceding and 1 preceding), 0
    ) as cum_weight_before
from weighted
