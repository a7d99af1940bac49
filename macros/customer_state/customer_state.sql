{#-
    Fingerprints of what a customer-state date depends on, so the customer-state steps
    (customer_state_steps) re-state a date only when its inputs changed.

    customer_state_config_fingerprint(): an md5 of every var the state logic reads and of the
    steps' SQL, so changing a threshold or upgrading a step re-states every date.
    row_fingerprint(columns): a 64-bit hash of one row's values; summed over the rows a date
    depends on, it changes when any row is added, removed or changed.
-#}
{% macro customer_state_config_fingerprint() -%}
    {%- set names = [
        'profitability_window_months', 'abc_value_metric', 'abc_a_share', 'abc_b_share', 'strategic_share',
        'new_customer_days', 'active_days', 'churn_days',
    ] -%}
    {%- set parts = [] -%}
    {%- for name in names -%}
        {%- do parts.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
            and node.name in customer_state_steps() + ['int_customer_purchase_days'] -%}
            {%- do parts.append(node.name ~ ':' ~ node.raw_code) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(local_md5(parts | join('|'))) -}}
{%- endmacro %}

{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'crm_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__row_fingerprint(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{#- a 64-bit hash of the values written as text (any type), as PostgreSQL's own hash of text -#}
{% macro postgres__row_fingerprint(columns) -%}
    hashtextextended(concat_ws(chr(31), {{ columns | join(', ') }}), 0)
{%- endmacro %}

{#- The models that compute the customer state, in order: the window amounts and the lifecycle
    per customer and state date, then the grid (money in cents, profit, ranks and classes).
    Each is incremental by state date on its own: see customer_state_dates_to_build(). -#}
{% macro customer_state_steps() -%}
    {{ return(['int_customer_state__amounts_in_window', 'int_customer_state__lifecycle', 'int_customer_state__grid']) }}
{%- endmacro %}

{#- The CTE `to_build` of a customer-state step: the rows of `dates` (a CTE of
    int_customer_state__dates) this run computes. A full build computes every date; an
    incremental run the dates the step does not hold with the same input fingerprint (new
    dates, and dates whose inputs changed), so a step that failed or was left out of a run
    catches up on its next run; and, for a step that reads earlier steps (earlier_steps: the
    names of their CTEs), also the dates an earlier step computed after this step last did.
    Ends with a comma, for the CTEs after it. -#}
{% macro customer_state_dates_to_build(dates='dates', earlier_steps=[]) -%}
    {%- if is_incremental() %}
stored as (
    select
        state_date,
        min(input_fingerprint) as input_fingerprint,
        min(state_computed_at) as state_computed_at
    from {{ this }}
    group by state_date
),
        {%- if earlier_steps %}

recomputed as (
    select
        state_date,
        max(state_computed_at) as state_computed_at
    from (
        {%- for step in earlier_steps %}
        select
            state_date,
            state_computed_at
        from {{ step }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ) as earlier_steps
    group by state_date
),
        {%- endif %}

to_build as (
    select {{ dates }}.*
    from {{ dates }}
    left join stored on {{ dates }}.state_date = stored.state_date
    {%- if earlier_steps %}
    left join recomputed on {{ dates }}.state_date = recomputed.state_date
    {%- endif %}
    where
        stored.input_fingerprint is distinct from {{ dates }}.input_fingerprint
        {%- if earlier_steps %}
        or recomputed.state_computed_at > stored.state_computed_at
        {%- endif %}
),
    {%- else %}
to_build as (
    select * from {{ dates }}
),
    {%- endif %}
{%- endmacro %}

{#- After an incremental run of a customer-state step: remove the slices of dates no longer wanted or
    whose inputs changed (their fingerprint differs from int_customer_state__dates'). -#}
{% macro delete_stale_state_dates(grid, dates) -%}
    {{ return(adapter.dispatch('delete_stale_state_dates', 'crm_warehouse')(grid, dates)) }}
{%- endmacro %}

{% macro default__delete_stale_state_dates(grid, dates) -%}
    delete from {{ grid }} as grid where not exists (
        select 1 from {{ dates }} as dates
        where dates.state_date = grid.state_date and dates.input_fingerprint = grid.input_fingerprint
    )
{%- endmacro %}

{#- Spark's Parquet tables have no DELETE, but the grid has a partition per state date: the stale
    dates' partitions are dropped, one statement each; the hook itself is then empty. -#}
{% macro spark__delete_stale_state_dates(grid, dates) -%}
    {%- if execute -%}
        {%- set stale = run_query(
            "select distinct grid.state_date from " ~ grid ~ " as grid left join " ~ dates ~ " as dates"
            ~ " on dates.state_date = grid.state_date and dates.input_fingerprint = grid.input_fingerprint"
            ~ " where dates.state_date is null"
        ) -%}
        {%- for row in stale.rows -%}
            {%- do run_query("alter table " ~ grid ~ " drop if exists partition (state_date = '" ~ row[0] ~ "')") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
