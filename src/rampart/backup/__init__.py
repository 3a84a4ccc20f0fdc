"""Backups with restic and restore drills (REG-4.1.1, REG-4.2.5).

Everything in this package uses the standard library only: the backup role copies it (with
`rampart/__init__.py`, `errors.py` and `commands.py`) to each host, where `rampart backup
...` runs it from the systemd timers. See docs/backup.md.
"""
