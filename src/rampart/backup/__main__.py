"""`python -m rampart.backup ARGS`: what /usr/local/sbin/rampart runs on hosts."""

from rampart.backup.cli import main

raise SystemExit(main())
