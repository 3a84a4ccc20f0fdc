"""`python -m rampart.monitoring.dashboards`: write or check the dashboard files."""

import sys

from rampart.monitoring.dashboards import main

sys.exit(main())
