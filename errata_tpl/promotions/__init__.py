"""The promotion record (``site/promotions.yaml``): its records and their canonical
form (record), the chain and what each record brings into effect (chain), signing
and checking signatures (signing), reading and writing the file (store)."""
