select
    source_system,
    table_name,
    rule_name,
    rows_checked,
    rows_failing,
    failing_share,
    share_of_rule_failures
from marts.data_quality_by_source_system
where rows_failing > 0
order by table_name asc, rule_name asc, source_system asc
