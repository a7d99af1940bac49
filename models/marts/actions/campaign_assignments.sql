-- The audience of each campaign (seed campaigns) as of the as-of date, with its control group.
--
-- 1. Per customer, the campaign action with the highest expected value (ties: action name);
--    suppressed candidates and those with an expected value of 0 or less are left out.
-- 2. Customers are ranked by that expected value (ties: customer key) and taken while the
--    running contact cost stays within the campaign's budget: the audience is a prefix of the
--    ranking, so nobody left out is worth more than anybody taken.
-- 3. A control group of control_share of the audience is held out (not contacted), so the lift
--    can be measured. The audience is ordered by action, ABC class, lifecycle stage and an MD5
--    hash of campaign and customer, and every 1/control_share-th customer of that order is
--    control (systematic sampling). The control share is then exact to one customer overall
--    and in each action (the first sort key), and within a few customers in each class and
--    stage (their blocks' rounding errors add up), which a coin flip per customer is not (10%
--    of 1,000 customers by coin flip is off by more than one point a third of the time); the
--    hash makes the choice the same on every re-run of the same data.
with

candidates as (
    select * from {{ ref('campaign_candidates') }}
),

campaigns as (
    select * from {{ ref('campaigns') }}
),

best_actions as (
    select
        *,
        row_number() over (
            partition by campaign_id, customer_key
            order by expected_value desc, action asc
        ) as action_rank
    from candidates
    where not is_suppressed and expected_value > 0
),

ranked as (
    select
        best_actions.*,
        campaigns.budget,
        campaigns.control_share,
        row_number() over (
            partition by best_actions.campaign_id
            order by best_actions.expected_value desc, best_actions.customer_key asc
        ) as value_rank,
        sum(best_actions.contact_cost) over (
            partition by best_actions.campaign_id
            order by best_actions.expected_value desc, best_actions.customer_key asc
            rows between unbounded preceding and current row
        ) as cumulative_contact_cost
    from best_actions
    inner join campaigns on best_actions.campaign_id = campaigns.campaign_id
    where best_actions.action_rank = 1
),

audience as (
    select
        *,
        {{ dbt.hash("campaign_id || ':' || customer_key") }} as holdout_hash
    from ranked
    where cumulative_contact_cost <= budget
),

ordered as (
    select
        *,
        row_number() over (
            partition by campaign_id
            order by action asc, abc_class asc, lifecycle_stage asc, holdout_hash asc
        ) as holdout_position
    from audience
)

select
    campaign_id,
    customer_key,
    as_of_date,
    action,
    eligibility_rule,
    abc_class,
    lifecycle_stage,
    value_basis,
    expected_value,
    contact_cost,
    cast(value_rank as bigint) as value_rank,
    cast(cumulative_contact_cost as decimal(38, 2)) as cumulative_contact_cost,
    holdout_hash,
    case
        when floor(holdout_position * control_share) > floor((holdout_position - 1) * control_share)
            then 'control'
        else 'treatment'
    end as assignment_group
from ordered
