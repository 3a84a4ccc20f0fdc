"""`rampart report evaluation`: the monthly and quarterly availability evaluation (REG-7.2)."""
