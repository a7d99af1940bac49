-- Every mart computed as of a date holds the as-of date of the build that made it, and they
-- all hold the same one. A mart rebuilt alone with another as_of_date (or left behind by a
-- failed partial rebuild) makes this fail, naming the mart and its date; so does a state grid
-- that holds no slice for the as-of date (the marts would be empty).
{%- set state_marts = customer_state_marts() %}

with

build_as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

grid as (
    select * from {{ ref('int_customer_state__grid') }}
),

mart_dates as (
    {%- for mart in state_marts %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select distinct
        '{{ mart }}' as mart_name,
        as_of_date
    from {{ ref(mart) }}
    {%- endfor %}
)

select
    mart_dates.mart_name,
    mart_dates.as_of_date,
    build_as_of.as_of_date as build_as_of_date
from mart_dates
cross join build_as_of
where mart_dates.as_of_date is distinct from build_as_of.as_of_date
union all
select
    'int_customer_state__grid' as mart_name,
    cast(null as date) as as_of_date,
    build_as_of.as_of_date as build_as_of_date
from build_as_of
where not exists (
        select 1 from grid
        where grid.state_date = build_as_of.as_of_date
    )
