-- One row per campaign of the seed campaigns, as of the as-of date: its budget and control
-- share, how many customers were eligible and suppressed, the audience it took (treatment and
-- control), their expected value and what contacting the treatment group costs. A campaign
-- nobody qualifies for has a row with zeros, so an empty audience is visible, not missing.
with

as_of as (
    select * from {{ ref('int_customer_state__as_of') }}
),

campaigns as (
    select * from {{ ref('campaigns') }}
),

candidates as (
    select * from {{ ref('campaign_candidates') }}
),

assignments as (
    select * from {{ ref('campaign_assignments') }}
),

eligible as (
    select
        campaign_id,
        count(distinct customer_key) as eligible_customers,
        count(distinct case when is_suppressed then customer_key end) as suppressed_customers
    from candidates
    group by campaign_id
),

assigned as (
    select
        campaign_id,
        count(*) as audience_customers,
        count(case when assignment_group = 'treatment' then 1 end) as treatment_customers,
        count(case when assignment_group = 'control' then 1 end) as control_customers,
        sum(case when assignment_group = 'treatment' then expected_value end) as treatment_expected_value,
        sum(case when assignment_group = 'treatment' then contact_cost end) as treatment_contact_cost,
        max(cumulative_contact_cost) as audience_contact_cost
    from assignments
    group by campaign_id
)

select
    campaigns.campaign_id,
    as_of.as_of_date,
    campaigns.campaign_name,
    campaigns.budget,
    cast(campaigns.control_share as {{ type_double() }}) as control_share,
    cast(coalesce(eligible.eligible_customers, 0) as bigint) as eligible_customers,
    cast(coalesce(eligible.suppressed_customers, 0) as bigint) as suppressed_customers,
    cast(coalesce(assigned.audience_customers, 0) as bigint) as audience_customers,
    cast(coalesce(assigned.treatment_customers, 0) as bigint) as treatment_customers,
    cast(coalesce(assigned.control_customers, 0) as bigint) as control_customers,
    cast(coalesce(assigned.treatment_expected_value, 0) as decimal(38, 2)) as treatment_expected_value,
    cast(coalesce(assigned.treatment_contact_cost, 0) as decimal(38, 2)) as treatment_contact_cost,
    cast(coalesce(assigned.audience_contact_cost, 0) as decimal(38, 2)) as audience_contact_cost
from campaigns
cross join as_of
left join eligible on campaigns.campaign_id = eligible.campaign_id
left join assigned on campaigns.campaign_id = assigned.campaign_id
