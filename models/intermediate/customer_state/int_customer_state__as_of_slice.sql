-- The customer state on the as-of date: the as-of slice of the month-end state grid, one row
-- per customer who had bought by then, with every column of the grid. Every mart computed as of
-- the date (profitability, segments, lifecycle, the campaigns) reads it, so the slice is taken
-- once, in one place. A view: each of them writes its own table from it, and a table of every
-- grid column would cost a second write of the slice (measured: 1-2 s of a 45 s demo build).
{{ config(materialized='view') }}

with

as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

state as (
    select * from {{ ref('int_customer_state__grid') }}
)

-- every column of the grid (documented there)
select state.*  -- noqa: AM04
from state
inner join as_of on state.state_date = as_of.as_of_date
