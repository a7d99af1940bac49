"""The Python side of the analytical CRM warehouse: demo data, loading, history, publishing,
the report, campaign exports and the benchmark. Each module has a `main(argv)`; the `crm`
command (crm_warehouse.cli) and the scripts/ files call them."""
