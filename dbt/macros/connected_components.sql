{#-
    Connected components by iterative minimum-label propagation, portable to any SQL engine
    (no recursive CTE): two scratch tables, one round per query, until no label changes. One
    statement per call (Spark runs one at a time).

    nodes_sql: a query returning one column `node`; edges_sql: a query returning `node_a`,
    `node_b` (each edge once is enough; both directions are added here; it is read once). Creates
    <scratch_schema>.<scratch_name>_labels (node, component_id), where component_id is the smallest node of the
    component, and returns the number of rounds it took. Runs only when dbt executes models,
    never while parsing or linting.
-#}
{% macro connected_components(nodes_sql, edges_sql, scratch_schema, scratch_name, max_rounds=50) %}
    {% set scratch = scratch_schema ~ '.' ~ scratch_name %}
    {% if not (execute and flags.WHICH in ['run', 'build']) %}
        {{ return(0) }}
    {% endif %}
    {% do replace_table(scratch ~ '_edges',
        'select distinct node_a, node_b from (' ~ edges_sql ~ ') as e where node_a <> node_b') %}
    {% do run_query('insert into ' ~ scratch ~ '_edges select node_b, node_a from ' ~ scratch ~ '_edges') %}
    {% do replace_table(scratch ~ '_labels', 'select node, node as component_id from (' ~ nodes_sql ~ ') as n') %}
    {% set state = namespace(rounds=0, done=false) %}
    {% for round in range(max_rounds) %}
        {% if not state.done %}
            {% set next_labels %}
                select labels.node, least(labels.component_id, coalesce(neighbours.component_id, labels.component_id))
                    as component_id
                from {{ scratch }}_labels as labels
                left join (
                    select edges.node_a as node, min(labels.component_id) as component_id
                    from {{ scratch }}_edges as edges
                    inner join {{ scratch }}_labels as labels on edges.node_b = labels.node
                    group by edges.node_a
                ) as neighbours on labels.node = neighbours.node
            {% endset %}
            {% do replace_table(scratch ~ '_next', next_labels) %}
            {% set changed = run_query(
                'select count(*) from ' ~ scratch ~ '_next as n inner join ' ~ scratch ~ '_labels as l '
                ~ 'on n.node = l.node where n.component_id <> l.component_id').columns[0].values()[0] %}
            {% do run_query('drop table ' ~ scratch ~ '_labels') %}
            {% do run_query('alter table ' ~ scratch ~ '_next rename to ' ~ scratch_name ~ '_labels') %}
            {% set state.rounds = round + 1 %}
            {% if changed == 0 %}{% set state.done = true %}{% endif %}
        {% endif %}
    {% endfor %}
    {% if not state.done %}
        {{ exceptions.raise_compiler_error('connected components did not converge in ' ~ max_rounds ~ ' rounds') }}
    {% endif %}
    {% do run_query('drop table if exists ' ~ scratch ~ '_edges') %}
    {{ log('connected components converged in ' ~ state.rounds ~ ' rounds', info=true) }}
    {{ return(state.rounds) }}
{% endmacro %}


{#- (Re)create a table from a query: drop and create, which every engine has (Spark's session
    catalog has no `create or replace table ... as`). -#}
{% macro replace_table(relation, query) %}
    {% do run_query('drop table if exists ' ~ relation) %}
    {% do run_query('create table ' ~ relation ~ ' as ' ~ query) %}
{% endmacro %}
