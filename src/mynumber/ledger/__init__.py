"""The exchange ledger's pure core: Merkle trees, proofs, canonical entries, signed checkpoints."""
