select
    campaign_id,
    campaign_name,
    budget,
    eligible_customers,
    suppressed_customers,
    audience_customers,
    treatment_customers,
    control_customers,
    treatment_expected_value,
    treatment_contact_cost
from marts.campaign_summary
order by campaign_id
