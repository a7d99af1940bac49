-- Who is eligible for which campaign action as of the as-of date, by which rule, and what
-- contacting them is expected to earn. One row per customer and eligible action (seed
-- campaign_actions); a customer can be eligible for several actions of one campaign, and
-- campaign_assignments keeps the best of them.
--
-- Expected value = P(alive) x expected purchases if alive x expected gross margin per purchase
-- x the action's assumed lift - its contact cost. With the CLV model fitted, P(alive), the
-- purchases and the spend per purchase are the model's; without it (too little data) the rules
-- still work: P(alive) is the lifecycle stage's prior (seed lifecycle_alive_priors), purchases
-- are the window's order run rate and spend is the window's revenue per order.
--
-- Suppressed customers stay here with the reason (the first that applies): no_permission
-- (they opted out of the action's channel, or with contact_requires_opt_in never opted in:
-- customer_contactability; first, as the law's reason comes before the business's),
-- loss_making (they cost more than they bring), quarantined_lines (a line of theirs in the
-- window is not trusted), no_valid_contact (neither a valid email nor a valid phone),
-- not_reachable_on_channel (no valid address for the action's channel, such as an e-mail
-- action for a customer with a phone only), contacted_recently (a service interaction within
-- campaign_contact_cooldown_days).
{%- set window_months = var('profitability_window_months') | int %}
{%- set horizon_months = var('clv_horizon_months') | int %}

with

as_of as (
    select * from {{ ref('int_customer_state__as_of') }}
),

-- every customer who had bought by the as-of date; the profitability figures only for those
-- with a sale in the window (as in customer_profitability and customer_segments)
state as (
    select * from {{ ref('int_customer_state__as_of_slice') }}
),

lifecycle as (
    select
        customer_key,
        lifecycle_stage,
        purchase_count
    from state
),

segments as (
    select
        customer_key,
        abc_class,
        is_strategic,
        is_loss_making
    from state
    where is_in_window
),

profitability as (
    select
        customer_key,
        revenue,
        gross_profit,
        order_count
    from state
    where is_in_window
),

clv as (
    select * from {{ ref('customer_lifetime_value') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
),

quarantined as (
    select * from {{ ref('quarantine_transactions') }}
),

daily_costs as (
    select * from {{ ref('int_customer_days__cost_to_serve') }}
),

actions as (
    select * from {{ ref('campaign_actions') }}
),

contactability as (
    select * from {{ ref('customer_contactability') }}
),

alive_priors as (
    select * from {{ ref('lifecycle_alive_priors') }}
),

-- the whole window's gross margin and revenue per order: the fallback for a customer with no
-- sale of their own in the window
population as (
    select
        cast(sum(gross_profit) as {{ type_double() }}) / nullif(sum(revenue), 0) as gross_margin_rate,
        cast(sum(revenue) as {{ type_double() }}) / nullif(sum(order_count), 0) as revenue_per_order
    from profitability
),

quarantined_customers as (
    select distinct quarantined.customer_key
    from quarantined
    cross join as_of
    where
        quarantined.customer_key is not null
        and cast(quarantined.transaction_at as date) > as_of.window_start_exclusive
        and cast(quarantined.transaction_at as date) <= as_of.as_of_date
),

last_interactions as (
    select
        daily_costs.customer_key,
        max(daily_costs.activity_date) as last_interaction_date
    from daily_costs
    cross join as_of
    where daily_costs.interaction_count > 0 and daily_costs.activity_date <= as_of.as_of_date
    group by daily_costs.customer_key
),

profiles as (
    select
        lifecycle.customer_key,
        as_of.as_of_date,
        lifecycle.lifecycle_stage,
        lifecycle.purchase_count,
        coalesce(segments.abc_class, 'none') as abc_class,
        coalesce(segments.is_strategic, false) as is_strategic,
        coalesce(segments.is_loss_making, false) as is_loss_making,
        clv.predicted_abc_class,
        clv.probability_alive is not null as is_model_based,
        coalesce(clv.probability_alive, alive_priors.alive_prior) as probability_alive,
        case
            when clv.probability_alive > 0 then clv.expected_purchases / clv.probability_alive
            when clv.probability_alive = 0 then 0
            else coalesce(profitability.order_count, 0) * {{ horizon_months }} / {{ window_months }}
        end as expected_purchases_if_alive,
        coalesce(
            clv.expected_spend,
            cast(profitability.revenue as {{ type_double() }}) / nullif(profitability.order_count, 0),
            population.revenue_per_order
        )
        * coalesce(
            case
                when profitability.revenue > 0
                    then cast(profitability.gross_profit as {{ type_double() }}) / profitability.revenue
            end,
            population.gross_margin_rate
        ) as expected_margin_per_purchase,
        quarantined_customers.customer_key is not null as has_quarantined_lines,
        coalesce(customers.has_valid_email or customers.has_valid_phone, false) as has_valid_contact,
        last_interactions.last_interaction_date,
        last_interactions.last_interaction_date
        > as_of.as_of_date - {{ var('campaign_contact_cooldown_days') | int }} as was_contacted_recently
    from lifecycle
    cross join as_of
    cross join population
    left join segments on lifecycle.customer_key = segments.customer_key
    left join profitability on lifecycle.customer_key = profitability.customer_key
    left join clv on lifecycle.customer_key = clv.customer_key
    left join customers on lifecycle.customer_key = customers.customer_key
    left join alive_priors on lifecycle.lifecycle_stage = alive_priors.lifecycle_stage
    left join quarantined_customers on lifecycle.customer_key = quarantined_customers.customer_key
    left join last_interactions on lifecycle.customer_key = last_interactions.customer_key
),

-- one row per customer and action they qualify for, with the rule that made them eligible
eligible as (
    select
        customer_key,
        'win_back' as action,
        case
            when lifecycle_stage = 'at_risk' then 'A or B customer in lifecycle stage at_risk'
            else 'A or B customer with P(alive) below campaign_win_back_max_p_alive'
        end as eligibility_rule
    from profiles
    where
        abc_class in ('A', 'B')
        and (
            lifecycle_stage = 'at_risk'
            or (is_model_based and probability_alive < {{ var('campaign_win_back_max_p_alive') }})
        )
    union all
    select
        customer_key,
        'strategic_retention' as action,
        case
            when is_model_based
                then 'strategic customer, still active, with P(alive) below campaign_retention_max_p_alive'
            else 'strategic customer in lifecycle stage at_risk (no CLV model)'
        end as eligibility_rule
    from profiles
    where
        is_strategic
        and (
            (
                is_model_based
                and lifecycle_stage in ('new', 'active', 'reactivated')
                and probability_alive < {{ var('campaign_retention_max_p_alive') }}
            )
            or (not is_model_based and lifecycle_stage = 'at_risk')
        )
    union all
    select
        customer_key,
        'second_purchase' as action,
        'new customer with one purchase' as eligibility_rule
    from profiles
    where lifecycle_stage = 'new' and purchase_count = 1
    union all
    select
        customer_key,
        'upgrade_to_a' as action,
        'B customer whose predicted value would make them A' as eligibility_rule
    from profiles
    where abc_class = 'B' and predicted_abc_class = 'A'
),

-- each eligible action's channel: the customer's permission there and whether they can be reached
on_channel as (
    select
        eligible.customer_key,
        eligible.action,
        case actions.channel
            {%- for item in contact_channels() %}
            when '{{ item.channel }}' then contactability.{{ item.channel }}_permission
            {%- endfor %}
        end as channel_permission,
        case actions.channel
            {%- for item in contact_channels() %}
            when '{{ item.channel }}' then contactability.is_contactable_by_{{ item.channel }}
            {%- endfor %}
        end as is_contactable_on_channel
    from eligible
    inner join actions on eligible.action = actions.action
    left join contactability on eligible.customer_key = contactability.customer_key
),

valued as (
    select
        actions.campaign_id,
        eligible.action,
        actions.channel,
        eligible.customer_key,
        profiles.as_of_date,
        eligible.eligibility_rule,
        profiles.abc_class,
        profiles.lifecycle_stage,
        profiles.is_strategic,
        case when profiles.is_model_based then 'clv_model' else 'lifecycle_rules' end as value_basis,
        profiles.probability_alive,
        profiles.expected_purchases_if_alive,
        profiles.expected_margin_per_purchase,
        actions.assumed_lift,
        actions.contact_cost,
        profiles.probability_alive
        * profiles.expected_purchases_if_alive
        * profiles.expected_margin_per_purchase
        * actions.assumed_lift
        - actions.contact_cost as expected_value,
        case
            when not {{ contact_is_permitted("coalesce(on_channel.channel_permission, 'not_recorded')") }}
                then 'no_permission'
            when profiles.is_loss_making then 'loss_making'
            when profiles.has_quarantined_lines then 'quarantined_lines'
            when not profiles.has_valid_contact then 'no_valid_contact'
            when not coalesce(on_channel.is_contactable_on_channel, false) then 'not_reachable_on_channel'
            when profiles.was_contacted_recently then 'contacted_recently'
        end as suppression_reason
    from eligible
    inner join profiles on eligible.customer_key = profiles.customer_key
    inner join actions on eligible.action = actions.action
    inner join on_channel on eligible.customer_key = on_channel.customer_key and eligible.action = on_channel.action
)

select
    campaign_id,
    action,
    channel,
    customer_key,
    as_of_date,
    eligibility_rule,
    abc_class,
    lifecycle_stage,
    is_strategic,
    value_basis,
    cast(probability_alive as {{ type_double() }}) as probability_alive,
    cast(expected_purchases_if_alive as {{ type_double() }}) as expected_purchases_if_alive,
    {{ cents('expected_margin_per_purchase', from_float=true) }} as expected_margin_per_purchase,
    cast(assumed_lift as {{ type_double() }}) as assumed_lift,
    cast(contact_cost as decimal(18, 2)) as contact_cost,
    {{ cents('expected_value', from_float=true) }} as expected_value,
    suppression_reason is not null as is_suppressed,
    suppression_reason
from valued
