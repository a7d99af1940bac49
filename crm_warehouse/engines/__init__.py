"""Other engines than DuckDB: PostgreSQL (postgres.py) and a throwaway local server for tests
and trials (local_postgres.py)."""
