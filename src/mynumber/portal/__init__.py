"""The resident portal (マイナポータル): pages, sessions and the in-page ledger verifier."""
