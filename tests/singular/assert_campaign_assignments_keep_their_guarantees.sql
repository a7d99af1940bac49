-- The guarantees of campaign_assignments, one failing row per broken promise: no customer is
-- assigned an action they are suppressed for (a suppression can be the action's: its channel);
-- nobody left out (eligible, not suppressed, expected value above 0) is worth more than the
-- least valuable customer taken (the greedy cut); the control group is the
-- campaign's control_share of the audience to within one customer, and to within one percentage
-- point in every action, ABC class and lifecycle stage of 1,000 customers or more.
-- (One action per customer and the budget are tested on the marts' own YAML.)
with

assignments as (
    select * from {{ ref('campaign_assignments') }}
),

candidates as (
    select * from {{ ref('campaign_candidates') }}
),

campaigns as (
    select * from {{ ref('campaigns') }}
),

suppressed_assigned as (
    select
        assignments.campaign_id,
        'suppressed customer assigned: ' || assignments.customer_key as problem
    from assignments
    inner join candidates
        on
            assignments.campaign_id = candidates.campaign_id
            and assignments.customer_key = candidates.customer_key
            and assignments.action = candidates.action
    where candidates.is_suppressed
),

left_out as (
    select
        candidates.campaign_id,
        max(candidates.expected_value) as best_left_out
    from candidates
    left join assignments
        on
            candidates.campaign_id = assignments.campaign_id
            and candidates.customer_key = assignments.customer_key
    where
        assignments.customer_key is null
        and not candidates.is_suppressed
        and candidates.expected_value > 0
    group by candidates.campaign_id
),

taken as (
    select
        campaign_id,
        min(expected_value) as worst_taken
    from assignments
    group by campaign_id
),

greedy_broken as (
    select
        taken.campaign_id,
        'a customer left out is worth ' || left_out.best_left_out || ', more than one taken: '
        || taken.worst_taken as problem
    from taken
    inner join left_out on taken.campaign_id = left_out.campaign_id
    where left_out.best_left_out > taken.worst_taken
),

segments as (
    select
        campaign_id,
        'all' as segment,
        assignment_group
    from assignments
    union all
    select
        campaign_id,
        'action ' || action as segment,
        assignment_group
    from assignments
    union all
    select
        campaign_id,
        'abc_class ' || abc_class as segment,
        assignment_group
    from assignments
    union all
    select
        campaign_id,
        'lifecycle_stage ' || lifecycle_stage as segment,
        assignment_group
    from assignments
),

segment_shares as (
    select
        segments.campaign_id,
        segments.segment,
        campaigns.control_share,
        count(*) as customers,
        count(case when segments.assignment_group = 'control' then 1 end) as control_customers
    from segments
    inner join campaigns on segments.campaign_id = campaigns.campaign_id
    group by segments.campaign_id, segments.segment, campaigns.control_share
),

share_broken as (
    select
        campaign_id,
        segment || ': ' || control_customers || ' of ' || customers || ' customers in control, target share '
        || control_share as problem
    from segment_shares
    where
        (segment = 'all' and abs(control_customers - control_share * customers) >= 1)
        or (customers >= 1000 and abs(1.0 * control_customers / customers - control_share) > 0.01)
)

select * from suppressed_assigned
union all
select * from greedy_broken
union all
select * from share_broken
