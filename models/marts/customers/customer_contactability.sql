-- Whether each customer may be contacted, per channel (contact_channels): their permission
-- from every record merged into them (the latest of each record; one record's opt-out is the
-- customer's, see int_customers__contact_permissions) and whether they can be reached there
-- at all (a valid email; a valid phone for calls and SMS; an address for post). Campaigns and
-- the audience export read it: a customer not contactable on an action's channel is never
-- selected. The latest known permission, whatever the build's as-of date: an opt-out holds
-- from the moment it is known.
{%- set channels = contact_channels() %}

with

customers as (
    select * from {{ ref('dim_customer') }}
),

permissions as (
    select * from {{ ref('int_customers__contact_permissions') }}
    where is_records_latest
),

by_channel as (
    select
        customer_key,
        channel,
        case
            when {{ dbt.bool_or("permission = 'opted_out'") }} then 'opted_out'
            else 'opted_in'
        end as permission,
        case
            when {{ dbt.bool_or("permission = 'opted_out'") }}
                then max(case when permission = 'opted_out' then recorded_at end)
            else max(recorded_at)
        end as permission_recorded_at
    from permissions
    group by customer_key, channel
),

-- one row per customer with a permission on record, a column pair per channel
pivoted as (
    select
        {%- for item in channels %}
        max(case when channel = '{{ item.channel }}' then permission end) as {{ item.channel }}_permission,
        max(case when channel = '{{ item.channel }}' then permission_recorded_at end)
            as {{ item.channel }}_permission_recorded_at,
        {%- endfor %}
        customer_key
    from by_channel
    group by customer_key
),

per_channel as (
    select
        {%- for item in channels %}
        coalesce(pivoted.{{ item.channel }}_permission, 'not_recorded') as {{ item.channel }}_permission,
        pivoted.{{ item.channel }}_permission_recorded_at,
        coalesce(customers.{{ item.reachable }}, false) as is_reachable_by_{{ item.channel }},
        {%- endfor %}
        customers.customer_key
    from customers
    left join pivoted on customers.customer_key = pivoted.customer_key
),

contactable as (
    select
        *,
        {%- for item in channels %}
        is_reachable_by_{{ item.channel }} and {{ contact_is_permitted(item.channel ~ '_permission') }}
            as is_contactable_by_{{ item.channel }},
        {%- endfor %}
        customer_key as contactable_customer_key
    from per_channel
)

select
    customer_key,
    {%- for item in channels %}
    {{ item.channel }}_permission,
    {{ item.channel }}_permission_recorded_at,
    is_contactable_by_{{ item.channel }},
    {%- endfor %}
    {%- for item in channels %}
    is_contactable_by_{{ item.channel }}{{ ' or' if not loop.last }}
    {%- endfor %}
        as is_contactable
from contactable
