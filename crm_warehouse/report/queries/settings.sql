select
    currency,
    profitability_window_months,
    churn_days
from marts.warehouse_settings
