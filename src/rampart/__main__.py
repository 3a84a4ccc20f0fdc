"""Allow `python -m rampart`, used by playbooks that run the validator on the controller."""

from rampart.cli import main

raise SystemExit(main())
