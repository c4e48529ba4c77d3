"""An institution node: one body's own records, its side of each exchange, the numbers it holds."""
