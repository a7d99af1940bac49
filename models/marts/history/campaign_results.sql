-- What each launched campaign did: its audience as recorded on the launch date
-- (campaign_assignment_history at the date in seed campaign_launches) followed for
-- campaign_measurement_days days after it, treatment against control. Per campaign launch and
-- action (and `all` actions): customers per group, the share who bought (response rate), net
-- revenue per customer (returns subtracted, customers who bought nothing count as 0), and the
-- treatment-minus-control difference of each with a two-sided confidence interval at
-- campaign_confidence_level (normal approximation; unpooled standard errors). The difference is
-- the measured lift: the assumed lift of seed campaign_actions is what was hoped for.
-- A window that runs past the last day of the data is measured up to that day and flagged.
{%- set days = var('campaign_measurement_days') | int %}

with

as_of as (
    select * from {{ ref('int_customer_state__as_of') }}
),

launches as (
    select * from {{ ref('campaign_launches') }}
),

recorded as (
    select * from {{ ref('campaign_assignment_history') }}
),

sales as (
    select * from {{ ref('fct_sales') }}
),

members as (
    select
        recorded.campaign_id,
        launches.launched_on,
        recorded.action,
        recorded.customer_key,
        recorded.assignment_group,
        least(launches.launched_on + {{ days }}, as_of.last_data_date) as measured_through
    from recorded
    inner join launches
        on recorded.campaign_id = launches.campaign_id and recorded.as_of_date = launches.launched_on
    cross join as_of
),

outcomes as (
    select
        members.campaign_id,
        members.launched_on,
        members.action,
        members.customer_key,
        members.assignment_group,
        members.measured_through,
        coalesce(sum(sales.net_revenue), 0) as net_revenue,
        coalesce(max(case when not sales.is_return then 1 else 0 end), 0) as has_bought
    from members
    left join sales
        on
            members.customer_key = sales.customer_key
            and members.launched_on < sales.transaction_date
            and members.measured_through >= sales.transaction_date
    group by
        members.campaign_id,
        members.launched_on,
        members.action,
        members.customer_key,
        members.assignment_group,
        members.measured_through
),

-- every action on its own, and all of the campaign's actions together
by_action as (
    select * from outcomes
    union all
    select
        campaign_id,
        launched_on,
        'all' as action,
        customer_key,
        assignment_group,
        measured_through,
        net_revenue,
        has_bought
    from outcomes
),

per_group as (
    select
        campaign_id,
        launched_on,
        action,
        max(measured_through) as measured_through,
        count(case when assignment_group = 'treatment' then 1 end) as treatment_customers,
        count(case when assignment_group = 'control' then 1 end) as control_customers,
        avg(case when assignment_group = 'treatment' then has_bought end) as treatment_response_rate,
        avg(case when assignment_group = 'control' then has_bought end) as control_response_rate,
        avg(case when assignment_group = 'treatment' then net_revenue end) as treatment_revenue_per_customer,
        avg(case when assignment_group = 'control' then net_revenue end) as control_revenue_per_customer,
        var_samp(case when assignment_group = 'treatment' then net_revenue end) as treatment_revenue_variance,
        var_samp(case when assignment_group = 'control' then net_revenue end) as control_revenue_variance
    from by_action
    group by campaign_id, launched_on, action
),

differences as (
    select
        *,
        treatment_response_rate - control_response_rate as response_rate_lift,
        sqrt(
            treatment_response_rate * (1 - treatment_response_rate) / nullif(treatment_customers, 0)
            + control_response_rate * (1 - control_response_rate) / nullif(control_customers, 0)
        ) as response_rate_lift_std_error,
        treatment_revenue_per_customer - control_revenue_per_customer as revenue_lift_per_customer,
        sqrt(
            treatment_revenue_variance / nullif(treatment_customers, 0)
            + control_revenue_variance / nullif(control_customers, 0)
        ) as revenue_lift_std_error
    from per_group
)

select
    differences.campaign_id,
    differences.launched_on,
    differences.action,
    cast(differences.measured_through as date) as measured_through,
    differences.measured_through >= differences.launched_on + {{ days }} as is_window_complete,
    cast(differences.treatment_customers as bigint) as treatment_customers,
    cast(differences.control_customers as bigint) as control_customers,
    cast(differences.treatment_response_rate as {{ type_double() }}) as treatment_response_rate,
    cast(differences.control_response_rate as {{ type_double() }}) as control_response_rate,
    cast(differences.response_rate_lift as {{ type_double() }}) as response_rate_lift,
    cast(
        differences.response_rate_lift
        - {{ z_score() }} * differences.response_rate_lift_std_error as {{ type_double() }}
    )
        as response_rate_lift_lower,
    cast(
        differences.response_rate_lift
        + {{ z_score() }} * differences.response_rate_lift_std_error as {{ type_double() }}
    )
        as response_rate_lift_upper,
    cast(differences.treatment_revenue_per_customer as {{ type_double() }}) as treatment_revenue_per_customer,
    cast(differences.control_revenue_per_customer as {{ type_double() }}) as control_revenue_per_customer,
    cast(differences.revenue_lift_per_customer as {{ type_double() }}) as revenue_lift_per_customer,
    cast(
        differences.revenue_lift_per_customer
        - {{ z_score() }} * differences.revenue_lift_std_error as {{ type_double() }}
    )
        as revenue_lift_lower,
    cast(
        differences.revenue_lift_per_customer
        + {{ z_score() }} * differences.revenue_lift_std_error as {{ type_double() }}
    )
        as revenue_lift_upper,
    {{ cents('differences.revenue_lift_per_customer * differences.treatment_customers', from_float=true) }}
        as incremental_revenue,
    coalesce(
        differences.revenue_lift_per_customer - {{ z_score() }} * differences.revenue_lift_std_error > 0
        or differences.revenue_lift_per_customer + {{ z_score() }} * differences.revenue_lift_std_error < 0,
        false
    ) as is_revenue_lift_significant
from differences
