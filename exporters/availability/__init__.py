"""The availability exporter: probes every service of the catalog and exports the results.

`config` reads its JSON configuration, `scheduler` runs the checks (`rampart.checks`)
concurrently on their own schedule, `state` keeps the latest results, `exposition`
turns them into the /metrics text when they change, and `catalog` writes the configuration
from the inventory on the controller.
"""
