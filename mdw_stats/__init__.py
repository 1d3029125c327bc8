"""Statistical code called by dbt Python models: the customer value model (BG/NBD + Gamma-Gamma)
and Markov-chain attribution. Plain numpy/scipy/pandas: it imports neither Dagster nor the tools,
so the dbt project can run it on any engine's Python workers.
"""
