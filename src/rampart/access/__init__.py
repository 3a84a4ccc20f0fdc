"""Access review (REG-6.2.3): compare the real accounts, keys and sudo rights of every host
with the people directory, and publish the drift."""
