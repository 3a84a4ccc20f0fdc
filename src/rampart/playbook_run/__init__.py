"""What Rampart's callback (plugins/callback/rampart_progress.py) keeps of a playbook run:
the time each task took on each host, the profile built from that, the durations of the
previous run for an estimate of time left, and the status line shown on a terminal."""
