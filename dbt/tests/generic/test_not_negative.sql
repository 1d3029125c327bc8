{#- Fails for every row where the column is below zero (null passes: not_null says whether it may be). -#}
{% test not_negative(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < 0
{% endtest %}
