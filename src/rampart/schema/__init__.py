"""The general schema tools: kinds of values and records, problems with their file and line,
a YAML loader that keeps lines, and the Markdown reference rows. The inventory and the
runbooks are both written in them."""
