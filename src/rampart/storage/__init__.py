"""The data volume and the data sets' folders on a host (REG-4.1.1): `rampart storage`."""
