{#- Fails for every customer key holding more than `max_identifiers` identifiers (an over-merge). -#}
{% test max_identifiers_per_customer(model, column_name, max_identifiers) %}
    select
        {{ column_name }},
        count(*) as identifier_count
    from {{ model }}
    group by {{ column_name }}
    having count(*) > {{ max_identifiers }}
{% endtest %}
