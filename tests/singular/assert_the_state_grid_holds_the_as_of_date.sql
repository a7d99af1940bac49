-- The state grid holds a slice for the build's as-of date (without it every mart computed as
-- of the date would be empty). That those marts all hold the build's as-of date is the generic
-- test is_the_build_as_of_date on each one's as_of_date column.

with

build_as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

grid as (
    select * from {{ ref('int_customer_state__grid') }}
)

select build_as_of.as_of_date as build_as_of_date
from build_as_of
where not exists (
        select 1 from grid
        where grid.state_date = build_as_of.as_of_date
    )
