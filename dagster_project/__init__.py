"""Marketing data warehouse: Dagster code location, ingestion, demo data and command line."""
