select
    table_name,
    rule_name,
    rule_description,
    checked_unit,
    rows_checked,
    rows_failing,
    failing_share
from marts.data_quality_scorecard
order by failing_share desc, table_name asc, rule_name asc
