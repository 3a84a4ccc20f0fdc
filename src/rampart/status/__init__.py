"""`rampart status`: what on-call wants first, from Prometheus over HTTPS."""
