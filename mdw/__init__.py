"""The `mdw` tools: the command line, benchmarks, identity evaluation and the demo data generator.

They import the code location (dagster_project); the code location never imports them.
"""
