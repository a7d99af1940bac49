-- For the truth: how a duplicate record differs from its person's other records, and why a
-- person's identifiers may be shared with other people (for analysing identity resolution).
-- A drift is recorded where it shows: not in a field a planted defect overwrites or empties.
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
                c.name_drift,
                c.accent_drift,
                case when c.birth_defect is null then c.birth_drift end,
                case
                    when c.address_drift = 'moved_address' or not c.is_missing_address then c.address_drift
                end,
                case when c.email_drift = 'case_variant' and c.email_defect is null then 'email_case_variant' end,
                case when c.email_drift = 'changed' and c.email_defect is null then 'email_changed' end,
                case
                    when
                        c.email_drift in ('missing', 'no_contact') and c.email_defect is null and not c.is_no_contact
                        then 'email_dropped'
                end,
                case when c.is_no_contact then 'no_contact' end,
                case
                    when c.phone_drift = 'format_variant' and c.phone_defect is null and not c.is_no_contact
                        then 'phone_format_variant'
                end,
                case
                    when c.phone_drift = 'changed' and c.phone_defect is null and not c.is_no_contact
                        then 'phone_changed'
                end,
                case
                    when c.phone_drift = 'missing' and c.phone_defect is null and not c.is_no_contact
                        then 'phone_dropped'
                end,
                case when c.shares_household_email then 'household_email' end,
                case when c.uses_generic_email then 'company_generic_email' end,
                case when c.uses_switchboard then 'company_switchboard_phone' end,
                case when c.is_lookalike then 'lookalike_of_another_person' end
            ]) as kind
    ) as k
where k.kind is not null
