-- For the truth: how a duplicate record differs from its person's other records, and why a
-- person's identifiers may be shared with other people (for analysing identity resolution).
create table variations as
select
    c.file_row_number,
    c.source_system || '|' || c.customer_id as record_key,
    k.kind as variation_kind
from customers_out as c
cross join
    lateral (
        select
            unnest([
                case when c.has_name_typo then 'name_typo' end,
                case when c.email_drift = 'case_variant' and c.email_defect is null then 'email_case_variant' end,
                case when c.email_drift = 'changed' and c.email_defect is null then 'email_changed' end,
                case when c.email_drift = 'missing' and c.email_defect is null then 'email_dropped' end,
                case when c.phone_drift = 'format_variant' and c.phone_defect is null then 'phone_format_variant' end,
                case when c.phone_drift = 'changed' and c.phone_defect is null then 'phone_changed' end,
                case when c.phone_drift = 'missing' and c.phone_defect is null then 'phone_dropped' end,
                case when c.has_moved then 'moved_address' end,
                case when c.shares_household_email then 'household_email' end,
                case when c.uses_generic_email then 'company_generic_email' end,
                case when c.uses_switchboard then 'company_switchboard_phone' end
            ]) as kind
    ) as k
where k.kind is not null
