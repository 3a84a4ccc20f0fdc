"""Backups with restic and restore drills (REG-4.1.1, REG-4.2.5).

On hosts, `rampart backup ...` runs from the systemd timers the backup role installs. See
docs/backup.md.
"""
