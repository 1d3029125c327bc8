{#-
    A string literal that changes whenever one of the seed files named in `seeds` changes: an
    incremental model keeps it on every row (_seeds_checksum) and rebuilds the rows that carry
    another one, so editing a rate or margin seed reaches the rows built before the edit. It
    comes from the sha256 dbt keeps of each seed file (of its text without surrounding blanks),
    so it is the same on every engine. (A unit test's context has no graph: there the seed names
    stand in.)
-#}
{% macro seeds_checksum(seeds) -%}
    {%- set checksums = [] -%}
    {%- if execute -%}
        {%- set nodes = graph.get('nodes', {}) -%}
        {%- for seed in seeds -%}
            {%- set node = nodes.get('seed.' ~ project_name ~ '.' ~ seed) -%}
            {%- if nodes and not node -%}
                {{ exceptions.raise_compiler_error("seeds_checksum: the project has no seed " ~ seed) }}
            {%- endif -%}
            {%- do checksums.append(node['checksum']['checksum'] if node else seed) -%}
        {%- endfor -%}
    {%- endif -%}
    '{{ local_md5(checksums | join("|")) }}'
{%- endmacro %}
