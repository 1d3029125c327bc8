"""Statistical code called by dbt Python models: the customer value model (BG/NBD + Gamma-Gamma),
Markov-chain attribution and look-alike scoring. Plain numpy/scipy/pandas/scikit-learn: it imports
neither Dagster nor the tools, so the dbt project can run it on any engine's Python workers.
"""
