"""The `rampart report ...` command: the reports for management, auditors and on-call."""
