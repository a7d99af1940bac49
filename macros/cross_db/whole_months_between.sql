{#-
    Whole months from start_date to end_date, as a person's age counts years: a month is
    complete when the end day reaches the start day, or when the end date is the last day of
    its month (Jan 31 -> Feb 29 is one month; Jan 29 -> Feb 28 in a leap year is not).
-#}
{% macro whole_months_between(start_date, end_date) -%}
    (
        (extract(year from {{ end_date }}) - extract(year from {{ start_date }})) * 12
        + extract(month from {{ end_date }}) - extract(month from {{ start_date }})
        - case
            when
                extract(day from {{ end_date }}) < extract(day from {{ start_date }})
                and {{ end_date }} < cast({{ dbt.last_day(end_date, 'month') }} as date)
                then 1
            else 0
        end
    )
{%- endmacro %}
