"""Errors of the exchange ledger's pure core; each malformed input raises exactly one of these.

Every error whose cause is a malformed input is also a ``ValueError``::

    LedgerError                                  ledger-error
     +-- InvalidRange (ValueError)               a leaf index or tree size outside the tree
     +-- InvalidTreeState (ValueError)           a compact range or stored node that cannot be right
     +-- InvalidProof (ValueError)               a proof that does not verify, with the reason
     |    +-- InconsistentTrees                  the two tree heads cannot both be true
     +-- MalformedEntry (ValueError)             an entry that is not canonical JSON
     +-- UnsealFailed (ValueError)               a sealed entry this key does not open, or altered
     +-- StillSealed                             a sealed entry asked for before its unsealing date
     +-- InvalidCheckpoint (ValueError)          a checkpoint note that must not be believed
     |    +-- MalformedNote                      the signed-note envelope is broken
     |    +-- InvalidCheckpointBody              the origin, size or root lines are wrong
     |    +-- DuplicateSignature                 the same key signed twice
     |    +-- BadSignature                       a trusted key's signature does not verify
     |    +-- UnverifiedCheckpoint               too few trusted keys signed
     +-- InvalidVerifiers (ValueError)           the caller's list of trusted keys is unusable
          +-- NoVerifiers                        ... because it is empty (fail closed)
          +-- InvalidVerifierKey                 ... because a key or key name is malformed
"""

from mynumber.errors import MyNumberError


class LedgerError(MyNumberError):
    """The ledger refused an input or a proof."""

    code = "ledger-error"


class InvalidRange(LedgerError, ValueError):
    """A leaf index or tree size lies outside the tree it was asked about."""

    code = "invalid-range"


class InvalidTreeState(LedgerError, ValueError):
    """A compact range or a stored node hash cannot belong to a well-formed tree."""

    code = "invalid-tree-state"


class InvalidProof(LedgerError, ValueError):
    """An inclusion or consistency proof does not verify; the message says why."""

    code = "invalid-proof"


class InconsistentTrees(InvalidProof):
    """Two tree heads contradict each other: the log shrank or forked."""

    code = "inconsistent-trees"


class MalformedEntry(LedgerError, ValueError):
    """An entry is not the canonical JSON form the ledger stores and hashes."""

    code = "malformed-entry"


class UnsealFailed(LedgerError, ValueError):
    """A sealed entry does not open with this key: sealed to another key, or altered since."""

    code = "unseal-failed"


class StillSealed(LedgerError):
    """A sealed entry was asked for before its unsealing date; the message gives the date."""

    code = "still-sealed"


class InvalidCheckpoint(LedgerError, ValueError):
    """A checkpoint (signed tree head) must not be believed."""

    code = "invalid-checkpoint"


class MalformedNote(InvalidCheckpoint):
    """The signed-note envelope is broken: text, blank line or signature lines."""

    code = "malformed-note"


class InvalidCheckpointBody(InvalidCheckpoint):
    """The checkpoint's origin, tree size or root hash line is wrong."""

    code = "invalid-checkpoint-body"


class DuplicateSignature(InvalidCheckpoint):
    """The note carries two signatures by the same key."""

    code = "duplicate-signature"


class BadSignature(InvalidCheckpoint):
    """A signature by a trusted key does not verify: the note was altered or forged."""

    code = "bad-signature"


class UnverifiedCheckpoint(InvalidCheckpoint):
    """Fewer trusted keys than required signed the note."""

    code = "unverified-checkpoint"


class InvalidVerifiers(LedgerError, ValueError):
    """The trusted keys handed to a verification cannot make a sound decision."""

    code = "invalid-verifiers"


class NoVerifiers(InvalidVerifiers):
    """No trusted key was given, so nothing could be verified: refuse rather than accept."""

    code = "no-verifiers"


class InvalidVerifierKey(InvalidVerifiers):
    """A verifier key string or a key name is malformed."""

    code = "invalid-verifier-key"
