"""Analytics: behaviour events (batched ingest and server-side order events) in append-only Parquet files
partitioned by day and queried with DuckDB, ad spend per campaign, and the console's dashboards. No
per-event row ever goes to the operational database."""
