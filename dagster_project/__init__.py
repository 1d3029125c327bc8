"""The Dagster code location of the marketing data warehouse: definitions, assets, resources, jobs,
schedules, sensors, checks, and what they run (ingestion loader, publish, run coordination)."""
