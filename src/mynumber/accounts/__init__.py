"""Public-benefit receipt accounts (公金受取口座): one per resident, in the resident's own name."""
