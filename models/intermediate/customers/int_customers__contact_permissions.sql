-- Every raw contact permission, attached to its resolved customer, with whether it counts:
-- a permission counts when its record is a known customer record, its channel and permission
-- are given, and it is its record's latest on the channel (the latest recorded_at; at the same
-- time, or without one, an opt-out before an opt-in; an undated row is older than any dated
-- one). An opt-in dated after its batch was loaded (beyond future_timestamp_tolerance_hours) is
-- not applied: it would outrank every later opt-out; an opt-out so dated still counts. Rows
-- that cannot be applied keep the reason, so none is lost (the scorecard counts them).
-- customer_contactability turns the counting rows into each customer's permission.
with

permissions as (
    select * from {{ ref('stg_crm__contact_permissions') }}
),

identity_map as (
    select * from {{ ref('int_customer_identity__resolved') }}
),

attached as (
    select
        permissions.raw_row_key,
        permissions.source_system,
        permissions.customer_id,
        identity_map.customer_key,
        permissions.channel,
        permissions.permission,
        permissions.recorded_at,
        case
            when identity_map.customer_key is null then 'unknown_customer'
            when permissions.channel is null or permissions.permission is null then 'missing_channel_or_permission'
            -- an opt-in dated after it arrived would outrank every later opt-out of the record
            when permissions.permission = 'opted_in' and permissions.is_future_recorded_at then 'future_opt_in'
        end as unapplied_reason,
        permissions.batch_id,
        permissions.source_file,
        permissions.source_row_number
    from permissions
    left join identity_map
        on
            permissions.source_system = identity_map.source_system
            and permissions.customer_id = identity_map.customer_id
),

ordered as (
    select
        *,
        -- at the same moment, an opt-out before an opt-in
        case when permission = 'opted_out' then 0 else 1 end as permission_order
    from attached
),

ranked as (
    select
        *,
        row_number() over (
            partition by source_system, customer_id, channel, unapplied_reason is null
            order by recorded_at desc nulls last, permission_order asc, raw_row_key asc
        ) as newest_first
    from ordered
)

select
    raw_row_key,
    source_system,
    customer_id,
    customer_key,
    channel,
    permission,
    recorded_at,
    unapplied_reason,
    unapplied_reason is null and newest_first = 1 as is_records_latest,
    batch_id,
    source_file,
    source_row_number
from ranked
