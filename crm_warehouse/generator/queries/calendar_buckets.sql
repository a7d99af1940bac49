-- Inverse-CDF lookup of the business day by demand weight as equal buckets (see product_buckets).
create table calendar_buckets as
with buckets as (
    select
        t.b as bucket,
        (t.b + 0.5) / {{ calendar_buckets }} * {{ total_weight }} as midpoint
    from range({{ calendar_buckets }}) as t (b)
)

select
    b.bucket,
    c.day_offset
from buckets as b
asof join calendar as c on b.midpoint <= c.cum_weight
