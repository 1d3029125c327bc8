{#-
    Connected components by iterative minimum-label propagation, portable to any SQL engine
    (no recursive CTE): two scratch tables, one round per query, until no label changes.

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
    {% call statement('cc_init') %}
        create or replace table {{ scratch }}_edges as
        select distinct node_a, node_b from ({{ edges_sql }}) as e where node_a <> node_b;
        insert into {{ scratch }}_edges select node_b, node_a from {{ scratch }}_edges;
        create or replace table {{ scratch }}_labels as
        select node, node as component_id from ({{ nodes_sql }}) as n;
    {% endcall %}
    {% set state = namespace(rounds=0, done=false) %}
    {% for round in range(max_rounds) %}
        {% if not state.done %}
            {% call statement('cc_round') %}
                create or replace table {{ scratch }}_next as
                select labels.node, least(labels.component_id, coalesce(neighbours.component_id, labels.component_id))
                    as component_id
                from {{ scratch }}_labels as labels
                left join (
                    select edges.node_a as node, min(labels.component_id) as component_id
                    from {{ scratch }}_edges as edges
                    inner join {{ scratch }}_labels as labels on edges.node_b = labels.node
                    group by edges.node_a
                ) as neighbours on labels.node = neighbours.node;
            {% endcall %}
            {% set changed = run_query(
                'select count(*) from ' ~ scratch ~ '_next as n inner join ' ~ scratch ~ '_labels as l '
                ~ 'on n.node = l.node where n.component_id <> l.component_id').columns[0].values()[0] %}
            {% call statement('cc_swap') %}
                drop table {{ scratch }}_labels;
                alter table {{ scratch }}_next rename to {{ scratch_name }}_labels;
            {% endcall %}
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
