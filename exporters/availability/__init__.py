"""The availability exporter: probes every service of the catalog and exports the results.

`config` reads its JSON configuration, `scheduler` runs the checks (`rampart.checks`)
concurrently on their own schedule, `state` keeps the latest results, `collector`
turns them into metric families at each scrape, and `catalog` writes the configuration
from the inventory on the controller.
"""
