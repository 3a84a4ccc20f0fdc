"""The security audit on a host (REG-4.2.3): AIDE's file integrity baseline and check, and
the kernel audit rules' state, as metrics and journal records (roles/audit)."""
