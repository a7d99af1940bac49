-- The ABC class of every customer on two recorded month-ends (the parameters, earlier first).
with earlier as (
    select
        customer_key,
        coalesce(abc_class, 'none') as abc_class
    from marts.customer_segment_history
    where as_of_date = $1
),

later as (
    select
        customer_key,
        coalesce(abc_class, 'none') as abc_class
    from marts.customer_segment_history
    where as_of_date = $2
)

select
    earlier.abc_class as from_class,
    coalesce(later.abc_class, 'none') as to_class,
    count(*) as customer_count
from earlier
left join later on earlier.customer_key = later.customer_key
group by earlier.abc_class, coalesce(later.abc_class, 'none')
order by from_class, to_class
