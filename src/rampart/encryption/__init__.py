"""Encryption at rest on a host (REG-4.2.2): fscrypt v2 policies on the data volume."""
