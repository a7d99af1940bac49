"""The raw loader's parts: the contract, the files, and one staged file; the command is crm_warehouse.load_raw."""
