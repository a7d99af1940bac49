-- Contact permissions: a share of the customer records got one on a channel (by its share) at
-- a moment between the record's creation and the data's end, mostly opt-outs; some of those
-- records changed their mind later (a second row with the other permission), and a few rows
-- name a record the customer master does not have (a deleted record), so the build's
-- unknown_customer count is tested too. Numbered in time order.
create table contact_permissions_out as
with chosen as (
    select
        record_no,
        customer_id,
        source_system,
        created_at,
        {{ cumulative_case('permission_channel', 'record_no', contact_channels) }} as channel,
        case
            when u('permission_kind', record_no) < {{ shares.contact_opt_out_share }} then 'opted_out'
            else 'opted_in'
        end as permission,
        u('permission_day', record_no) as day_draw
    from customers_out
    where u('permission_record', record_no) < {{ shares.contact_permission_records }}
),

first_rows as (
    select
        record_no,
        customer_id,
        source_system,
        channel,
        permission,
        created_at + to_seconds(floor(
            day_draw * date_diff('second', created_at, timestamp '{{ end_date }}' + interval 1 day)
        )::bigint) as recorded_at
    from chosen
    where created_at < timestamp '{{ end_date }}'
),

changed_minds as (
    select
        record_no,
        customer_id,
        source_system,
        channel,
        case when permission = 'opted_out' then 'opted_in' else 'opted_out' end as permission,
        recorded_at
        + to_seconds(floor(u('permission_change', record_no) * date_diff(
            'second', recorded_at, timestamp '{{ end_date }}' + interval 1 day
        ))::bigint) as recorded_at
    from first_rows
    where u('permission_changed', record_no) < {{ shares.contact_permission_changed }}
),

unknown_records as (
    select
        record_no,
        'X' || customer_id as customer_id,
        source_system,
        channel,
        'opted_out' as permission,
        recorded_at
    from first_rows
    where u('permission_unknown', record_no) < {{ shares.contact_permission_unknown_record }}
),

all_rows as (
    select * from first_rows
    union all
    select * from changed_minds
    union all
    select * from unknown_records
)

select
    row_number() over (order by recorded_at, record_no, customer_id, permission) - 1 as file_row_number,
    customer_id,
    source_system,
    channel,
    permission,
    recorded_at
from all_rows
