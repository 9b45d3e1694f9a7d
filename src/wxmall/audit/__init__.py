"""The staff audit log: who did what to which record, and from where. Append-only."""
