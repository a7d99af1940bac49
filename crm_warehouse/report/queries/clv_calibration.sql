select
    calibration_frequency,
    calibration_frequency_label,
    customer_count,
    actual_holdout_purchases,
    predicted_holdout_purchases,
    actual_purchases_per_customer,
    predicted_purchases_per_customer
from marts.clv_calibration
order by calibration_frequency
