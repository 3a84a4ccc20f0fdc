"""The auditor's evidence of a period, collected from the fleet into one archive."""
