"""Antivirus on a host (REG-4.2.4): scheduled ClamAV scans of the data sets' folders,
quarantine with a manifest, release of a false positive, and the results as metrics.

Runs on the hosts (the antivirus role's timers) with the standard library and Rampart's
own modules only; clamd does the scanning (`clamdscan --multiscan --fdpass`)."""
