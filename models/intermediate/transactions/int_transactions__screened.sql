-- Every staged transaction line with its resolved customer and the reasons it cannot be
-- trusted (none for a trusted line). Trusted lines feed int_sales__lines (and fct_sales), the others the quarantine;
-- together they hold every raw line exactly once.
-- A line key (transaction_id, line_number) delivered more than once: the latest delivery
-- (loaded_at, then batch and file row) says what the line is. Its values are kept from the
-- first delivery that carried them; a later copy with the same values is a duplicate, and an
-- earlier delivery with other values was corrected and is superseded. Reasons and their
-- precedence: macros/quarantine_reasons.sql.
{%- set reason_cases = [] %}
{%- set reason_flags = [] %}
{%- for reason in quarantine_reasons() %}
{%- do reason_cases.append("case when " ~ reason.condition ~ " then '" ~ reason.code ~ "' end") %}
{%- do reason_flags.append("case when " ~ reason.condition ~ " then 1 else 0 end") %}
{%- endfor %}
{%- set line_key = ['transaction_id', 'line_number'] %}

with

transactions as (
    select * from {{ ref('stg_crm__transactions') }}
),

identity_map as (
    select * from {{ ref('int_customer_identity__resolved') }}
),

products as (
    select distinct product_id from {{ ref('stg_crm__products') }}
),

-- most keys arrive once: only the keys delivered again are compared
repeated_keys as (
    select
        transaction_id,
        line_number
    from transactions
    where transaction_id is not null and line_number is not null
    group by transaction_id, line_number
    having count(*) > 1
),

deliveries as (
    select
        transactions.*,
        row_number() over (
            partition by transactions.transaction_id, transactions.line_number
            order by transactions.loaded_at, transactions.batch_id, transactions.source_row_number
        ) as line_key_rank,
        count(*) over (partition by transactions.transaction_id, transactions.line_number) as line_key_deliveries
    from transactions
    inner join repeated_keys
        on
            transactions.transaction_id = repeated_keys.transaction_id
            and transactions.line_number = repeated_keys.line_number
),

latest_deliveries as (
    select * from deliveries
    where line_key_rank = line_key_deliveries
),

compared as (
    select
        deliveries.raw_row_key,
        deliveries.transaction_id,
        deliveries.line_number,
        deliveries.line_key_rank,
        (
            {%- for column in line_value_columns() %}
            {{ 'and ' if not loop.first }}deliveries.{{ column }} is not distinct from latest_deliveries.{{ column }}
            {%- endfor %}
        ) as has_latest_values
    from deliveries
    inner join latest_deliveries
        on
            deliveries.transaction_id = latest_deliveries.transaction_id
            and deliveries.line_number = latest_deliveries.line_number
),

judged as (
    select
        raw_row_key,
        line_key_rank,
        not has_latest_values as is_superseded,
        has_latest_values and line_key_rank > min(case when has_latest_values then line_key_rank end) over (
            partition by transaction_id, line_number
        ) as is_duplicate_delivery
    from compared
),

joined as (
    select
        transactions.*,
        identity_map.customer_key,
        products.product_id is not null as is_known_product,
        coalesce(judged.line_key_rank, 1) as line_key_rank,
        coalesce(judged.is_superseded, false) as is_superseded,
        coalesce(judged.is_duplicate_delivery, false) as is_duplicate_delivery
    from transactions
    left join identity_map
        on
            transactions.source_system = identity_map.source_system
            and transactions.customer_id = identity_map.customer_id
    left join products on transactions.product_id = products.product_id
    left join judged on transactions.raw_row_key = judged.raw_row_key
)

-- every staged column passes through to the fact and the quarantine
select
    *,  -- noqa: AM04
    coalesce({{ reason_cases | join(', ') }}) as reason_code,
    {{ non_null_list(reason_cases) }} as reason_codes,
    {{ reason_flags | join(' + ') }} as reason_count
from joined
