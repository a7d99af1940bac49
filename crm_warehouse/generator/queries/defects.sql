-- For the truth: every planted defect a data-quality check can see, one row per row and kind.
create table defects as
select
    'customers' as table_name,
    s.file_row_number,
    s.source_system || '|' || s.customer_id as record_key,
    k.kind as defect_kind
from customers_sharing as s
cross join
    lateral (
        select
            unnest([
                case when s.is_duplicate then 'duplicate_record' end,
                s.birth_defect,
                s.email_defect,
                s.phone_defect,
                case when s.is_missing_address then 'missing_address' end,
                case when s.is_shared_email then 'shared_email' end,
                case when s.is_shared_phone then 'shared_phone' end
            ]) as kind
    ) as k
where k.kind is not null
union all
select
    'transactions' as table_name,
    t.file_row_number,
    t.transaction_id || '|' || t.line_number as record_key,
    k.kind as defect_kind
from transactions_out as t
cross join
    lateral (
        select
            unnest([
                t.defect,
                case when t.is_late then 'late_arriving' end,
                case when t.has_type_case_variant then 'transaction_type_case_variant' end
            ]) as kind
    ) as k
where k.kind is not null
