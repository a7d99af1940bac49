-- Every staged transaction line with its resolved customer and the reasons it cannot be
-- trusted (none for a trusted line). Trusted lines feed int_sales__lines (and fct_sales), the others the quarantine;
-- together they hold every raw line exactly once.
-- A line key (transaction_id, line_number) delivered more than once: the latest delivery
-- (loaded_at, then batch and file row) says what the line is. Its values are kept from the
-- first delivery that carried them; a later copy with the same values is a duplicate, and an
-- earlier delivery with other values was corrected and is superseded. Reasons and their
-- precedence: macros/quality/quarantine_reasons.sql.
--
-- Incremental: a run screens the lines of batches not screened yet, every delivery of a line
-- key that one of them delivers again, the lines of customer records whose resolved customer
-- changed (a merge), the lines of products that became known (or unknown), and the earlier
-- returns of every customer and product those lines touch (see is_return_beyond_sales). Lines of
-- batches no longer in raw (a full reload) are deleted after the run. The result equals a full
-- refresh; a change of the screening vars (future_timestamp_tolerance_hours,
-- earliest_transaction_date, trust_returns_beyond_sales) needs
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
{%- set line_reason_flags = [] %}
{%- for reason in quarantine_reasons() %}
{%- do reason_cases.append("case when " ~ reason.condition ~ " then '" ~ reason.code ~ "' end") %}
{%- do reason_flags.append("case when " ~ reason.condition ~ " then 1 else 0 end") %}
{%- if not reason.get('judged_among_trusted_lines') %}
{%- do line_reason_flags.append("case when " ~ reason.condition ~ " then 1 else 0 end") %}
{%- endif %}
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

raw_batches as (
    select distinct batch_id from transactions
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

changed_lines as (
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

-- a line of a customer and product can change whether an earlier-screened return of theirs
-- returns more than was bought (a late sale, a merge): those returns are judged again
touched_groups as (
    select distinct
        identity_map.customer_key,
        changed_lines.product_id
    from changed_lines
    inner join identity_map
        on
            changed_lines.source_system = identity_map.source_system
            and changed_lines.customer_id = identity_map.customer_id
),

returns_to_judge_again as (
    select previous.raw_row_key
    from {{ this }} as previous
    inner join touched_groups
        on
            previous.customer_key = touched_groups.customer_key
            and previous.product_id = touched_groups.product_id
    where previous.transaction_type = 'return'
),

to_screen as (
    select * from changed_lines
    union all
    select transactions.*
    from transactions
    inner join returns_to_judge_again on transactions.raw_row_key = returns_to_judge_again.raw_row_key
    left join changed_lines on transactions.raw_row_key = changed_lines.raw_row_key
    where changed_lines.raw_row_key is null
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
),

-- what is wrong with the line itself or what it refers to (every reason not judged among the
-- trusted lines)
line_judged as (
    select
        *,
        {{ line_reason_flags | join(' + ') }} as line_reason_count
    from joined
),

-- Returns of more units than bought: per customer and product, over the lines with nothing
-- else wrong, in time order (a sale before a return at the same moment), a return after which
-- the units returned so far exceed the units bought so far. Only customers and products with
-- a return are looked at.
return_groups as (
    select distinct
        customer_key,
        product_id
    from line_judged
    where transaction_type = 'return' and line_reason_count = 0
),

counted_lines as (
    select
        line_judged.raw_row_key,
        line_judged.customer_key,
        line_judged.product_id,
        line_judged.transaction_at,
        line_judged.transaction_type,
        line_judged.quantity
    from line_judged
    inner join return_groups
        on line_judged.customer_key = return_groups.customer_key and line_judged.product_id = return_groups.product_id
    where line_judged.line_reason_count = 0
    {%- if is_incremental() %}
    union all
    -- the trusted lines screened before, of the same customers and products (and of batches
    -- still in raw: after a full reload the old lines are deleted only after this run)
    select
        previous.raw_row_key,
        previous.customer_key,
        previous.product_id,
        previous.transaction_at,
        previous.transaction_type,
        previous.quantity
    from {{ this }} as previous
    inner join return_groups
        on
            previous.customer_key = return_groups.customer_key
            and previous.product_id = return_groups.product_id
    inner join raw_batches on previous.batch_id = raw_batches.batch_id
    left join line_judged on previous.raw_row_key = line_judged.raw_row_key
    where line_judged.raw_row_key is null and previous.line_reason_count = 0
    {%- endif %}
),

running_units as (
    {%- set running %}
        over (
            partition by customer_key, product_id
            order by transaction_at, case when transaction_type = 'sale' then 0 else 1 end, raw_row_key
            rows between unbounded preceding and current row
        )
    {%- endset %}
    select
        raw_row_key,
        transaction_type,
        sum(case when transaction_type = 'return' then quantity else 0 end) {{ running }} as units_returned,
        sum(case when transaction_type = 'sale' then quantity else 0 end) {{ running }} as units_bought
    from counted_lines
),

flagged as (
    select
        line_judged.*,
        coalesce(
            running_units.transaction_type = 'return' and running_units.units_returned > running_units.units_bought,
            false
        ) as is_return_beyond_sales
    from line_judged
    left join running_units on line_judged.raw_row_key = running_units.raw_row_key
)

-- every staged column passes through to the fact and the quarantine
select
    *,  -- noqa: AM04
    -- when this line was (last) screened: the line economics rewrite the lines screened since their last run
    cast('{{ run_started_at }}' as timestamp) as screened_at,
    coalesce({{ reason_cases | join(', ') }}) as reason_code,
    {{ non_null_list(reason_cases) }} as reason_codes,
    {{ reason_flags | join(' + ') }} as reason_count
from flagged
