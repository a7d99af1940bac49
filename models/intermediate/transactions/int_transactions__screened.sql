-- Every staged transaction line with its resolved customer and the reasons it cannot be
-- trusted (none for a trusted line). Trusted lines feed fct_sales, the others the quarantine;
-- together they hold every raw line exactly once.
-- Duplicate line keys: the first-loaded row of a key wins (loaded_at, then batch and file
-- row); later rows are re-deliveries. Reasons and their precedence: macros/quarantine_reasons.sql.
{%- set reason_cases = [] %}
{%- set reason_flags = [] %}
{%- for code, condition in quarantine_reasons() %}
{%- do reason_cases.append("case when " ~ condition ~ " then '" ~ code ~ "' end") %}
{%- do reason_flags.append("case when " ~ condition ~ " then 1 else 0 end") %}
{%- endfor %}

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

joined as (
    select
        transactions.*,
        identity_map.customer_key,
        products.product_id is not null as is_known_product,
        row_number() over (
            partition by transactions.transaction_id, transactions.line_number
            order by transactions.loaded_at, transactions.batch_id, transactions.source_row_number
        ) as line_key_rank
    from transactions
    left join identity_map
        on
            transactions.source_system = identity_map.source_system
            and transactions.customer_id = identity_map.customer_id
    left join products on transactions.product_id = products.product_id
)

-- every staged column passes through to the fact and the quarantine
select
    *,  -- noqa: AM04
    coalesce({{ reason_cases | join(', ') }}) as reason_code,
    {{ non_null_list(reason_cases) }} as reason_codes,
    {{ reason_flags | join(' + ') }} as reason_count
from joined
