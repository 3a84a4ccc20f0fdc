"""`rampart summary`: what `make up` ends with (see `report`)."""
