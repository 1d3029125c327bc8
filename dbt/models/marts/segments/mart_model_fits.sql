{#-
    One row per statistical model fitted for this run (dagster_project/assets/fitted.py): the
    value model's full and calibration fits and the look-alike model, each with its status, the
    customers it was fitted on and its holdout measure (for the value model's calibration fit the
    relative error of the predicted holdout purchases over all customers; for the look-alike model
    the AUC on the test buyers). One place for BI to see whether today's predictions and scores
    rest on a model that fitted and held up.
-#}
with

value_fits as (
    select * from {{ source('fitted_marts', 'mart_value_model_fit') }}
),

value_holdout as (
    select * from {{ source('fitted_marts', 'mart_value_model_holdout') }}
    where frequency_group = 'all'
),

lookalike_fit as (
    select * from {{ source('fitted_marts', 'mart_lookalike_model_fit') }}
),

value_rows as (
    select
        value_fits.as_of_date,
        value_fits.status,
        value_fits.message,
        cast(value_fits.customers as bigint) as customers,
        concat('value_model_', value_fits.fit) as model_name,
        case when value_fits.fit = 'calibration' then 'error_share' end as holdout_measure,
        cast(case when value_fits.fit = 'calibration' then value_holdout.error_share end as double)
            as holdout_value
    from value_fits
    left join value_holdout on value_fits.fit = 'calibration'
),

lookalike_rows as (
    select
        as_of_date,
        status,
        message,
        cast(train_customers as bigint) as customers,
        'lookalike_model' as model_name,
        'auc' as holdout_measure,
        cast(auc as double) as holdout_value
    from lookalike_fit
)

select * from value_rows
union all
select * from lookalike_rows
