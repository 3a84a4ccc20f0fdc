"""The lab: a small fleet of real Debian hosts (systemd-nspawn) on one Linux machine."""
