// AjarStore: keys, usage, budgets and the audit chain. See ../shared/DESIGN.md.
