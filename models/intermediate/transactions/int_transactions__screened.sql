-- Every staged transaction line with its resolved customer and the reasons it cannot be
-- trusted (none for a trusted line). Trusted lines feed int_sales__lines (and fct_sales), the others the quarantine;
-- together they hold every raw line exactly once.
-- A line key (transaction_id, line_number) delivered more than once: the latest delivery
-- (loaded_at, then batch and file row) says what the line is. Its values are kept from the
-- first delivery that carried them; a later copy with the same values is a duplicate, and an
-- earlier delivery with other values was corrected and is superseded. Reasons and their
-- precedence: macros/quarantine_reasons.sql.
--
-- Incremental: a run screens the lines of batches not screened yet, every delivery of a line
-- key that one of them delivers again, the lines of customer records whose resolved customer
-- changed (a merge), and the lines of products that became known (or unknown). Lines of
-- batches no longer in raw (a full reload) are deleted after the run. The result equals a full
-- refresh; a change of the screening vars (future_timestamp_tolerance_hours) needs
-- `dbt build --full-refresh`.
-- On Spark a table rebuilt in full (its Parquet tables have no delete): the incremental result
-- equals a full refresh, which tests/python/test_incremental.py checks on DuckDB.
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        unique_key='raw_row_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{% if is_incremental() %}delete from {{ this }} where batch_id not in"
            " (select distinct batch_id from {{ ref('stg_crm__transactions') }}){% endif %}"
        ]
    )
}}
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

{%- if is_incremental() %}

screened_before as (
    select
        raw_row_key,
        batch_id,
        source_system,
        customer_id,
        customer_key,
        product_id,
        is_known_product
    from {{ this }}
),

seen_batches as (
    select distinct batch_id from screened_before
),

new_lines as (
    select transactions.*
    from transactions
    left join seen_batches on transactions.batch_id = seen_batches.batch_id
    where seen_batches.batch_id is null
),

redelivered_keys as (
    select distinct
        transaction_id,
        line_number
    from new_lines
),

-- customer records whose resolved customer is not the one their lines were screened with
rekeyed_records as (
    select distinct
        before.source_system,
        before.customer_id
    from (
        select distinct
            source_system,
            customer_id,
            customer_key
        from screened_before
    ) as before
    left join identity_map
        on
            before.source_system = identity_map.source_system
            and before.customer_id = identity_map.customer_id
    where before.customer_key is distinct from identity_map.customer_key
),

changed_products as (
    select distinct before.product_id
    from (
        select distinct
            product_id,
            is_known_product
        from screened_before
    ) as before
    left join products on before.product_id = products.product_id
    where before.is_known_product <> (products.product_id is not null)
),

to_screen as (
    select transactions.*
    from transactions
    left join seen_batches on transactions.batch_id = seen_batches.batch_id
    left join redelivered_keys
        on
            transactions.transaction_id = redelivered_keys.transaction_id
            and transactions.line_number = redelivered_keys.line_number
    left join rekeyed_records
        on
            transactions.source_system = rekeyed_records.source_system
            and transactions.customer_id = rekeyed_records.customer_id
    left join changed_products on transactions.product_id = changed_products.product_id
    where
        seen_batches.batch_id is null
        or redelivered_keys.transaction_id is not null
        or rekeyed_records.customer_id is not null
        or changed_products.product_id is not null
),

{%- else %}

to_screen as (
    select * from transactions
),

{%- endif %}

-- the keys to judge, with every delivery of them (screened before or not)
screened_keys as (
    select distinct
        transaction_id,
        line_number
    from to_screen
    where transaction_id is not null and line_number is not null
),

-- most keys arrive once: only the keys delivered again are compared
repeated_keys as (
    select
        transactions.transaction_id,
        transactions.line_number
    from transactions
    inner join screened_keys
        on
            transactions.transaction_id = screened_keys.transaction_id
            and transactions.line_number = screened_keys.line_number
    group by transactions.transaction_id, transactions.line_number
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
        to_screen.*,
        identity_map.customer_key,
        products.product_id is not null as is_known_product,
        coalesce(judged.line_key_rank, 1) as line_key_rank,
        coalesce(judged.is_superseded, false) as is_superseded,
        coalesce(judged.is_duplicate_delivery, false) as is_duplicate_delivery
    from to_screen
    left join identity_map
        on
            to_screen.source_system = identity_map.source_system
            and to_screen.customer_id = identity_map.customer_id
    left join products on to_screen.product_id = products.product_id
    left join judged on to_screen.raw_row_key = judged.raw_row_key
)

-- every staged column passes through to the fact and the quarantine
select
    *,  -- noqa: AM04
    -- when this line was (last) screened: the line economics rewrite the lines screened since their last run
    cast('{{ run_started_at }}' as timestamp) as screened_at,
    coalesce({{ reason_cases | join(', ') }}) as reason_code,
    {{ non_null_list(reason_cases) }} as reason_codes,
    {{ reason_flags | join(' + ') }} as reason_count
from joined
