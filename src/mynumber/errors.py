"""The root of every error mynumber raises on purpose.

Each domain adds its own subclasses next to its code; an edge (HTTP route, CLI command) maps them
to a problem details response or a one-line message through a single table::

    MyNumberError
     +-- InvalidNumber (ValueError)            mynumber.numbers.exceptions
     |    +-- InvalidLength, InvalidFormat, InvalidChecksum
     +-- ConfigurationError                    mynumber.settings
     |    +-- KeyRefusedError > DemoKeysRefusedError     mynumber.keys
     |    +-- DeploymentFileError, UnknownNodeError      mynumber.deployment
     +-- StorageError                          mynumber.storage.exceptions
     |    +-- UnsupportedDatabaseURLError, DatabaseUnavailableError, MigrationError, ...
     |    +-- DatabaseClaimError > ForeignDatabaseError, FieldKeyMismatchError
     +-- NodeError                             mynumber.nodes.exceptions
     |    +-- NodeUnhealthyError, NodeUnavailable, NodeSignatureRefused, CallingNodeRefused
     +-- RegisterError                         mynumber.register.exceptions
     |    +-- ResidentNotFound, DuplicateResident, NotOnRegister, InvalidResidentRecord,
     |    |   NumberChangeRefused
     |    +-- NoticeRefused > AlternateAddressRefused      mynumber.register.notices
     |    +-- NoticeBatchNotFound                          mynumber.register.notices
     |    +-- ClerkRequired                                        mynumber.register.clerks
     |    +-- InvalidAttribute (ValueError) > InvalidDate          mynumber.register.notation
     +-- UnknownMunicipality (ValueError)      mynumber.register.municipalities
     +-- InvalidCount (ValueError)             mynumber.register.synth
     +-- NoticeError                           mynumber.notices.exceptions
     |    +-- InvalidNotice (ValueError), NoticeFontUnavailable
     +-- CardError                             mynumber.cards.exceptions
     |    +-- InvalidPin (ValueError), WrongPin, PinLocked, CardFileError, CertificateError
     |    +-- InvalidCardDates (ValueError)                mynumber.cards.validity
     |    +-- DocumentsRefused                             mynumber.cards.documents
     |    +-- IdentityRefused                              mynumber.cards.identity
     |    +-- RelyingPartyRefused                          mynumber.cards.relying_parties
     +-- NetworkError                          mynumber.network.exceptions
     |    +-- UnknownBodyKind, InvalidInstitutionCode, InvalidCodeKey, InvalidBodyId (ValueError)
     |    +-- UnknownTask, UnknownExchangeRow (LookupError)
     |    +-- ExchangeNotPermitted, InvalidTable
     |    +-- (the hub's bodies and codes:)        mynumber.network.service_exceptions
     |    +-- BodyRefused (ValueError) > DuplicateBody, DuplicateStaff
     |    +-- BodyNotFound, CodeNotIssued (LookupError)
     |    +-- AuthenticationRefused, CodeRefused, CallerRefused
     |    +-- ExchangeRefused > IdempotencyConflict; ExchangeNotFound (LookupError)
     |    +-- MalformedExchange (ValueError) > ExchangeTooLarge
     |    +-- ProviderAnswerRefused
     |    +-- CollectionNotPermitted, InvalidCollectionRecord   mynumber.network.collections
     +-- HoldingError                          mynumber.holdings.exceptions
     |    +-- CollectionRefused, ReceiptRefused, AlreadyHeld, HubUnavailable
     |    +-- MalformedCollection (ValueError) > CollectionTooLarge; DeletionReceiptInvalid
     +-- AccountRefused                        mynumber.accounts.rules
     |    +-- AccountFormRefused, HolderNameRefused
     |    +-- AlreadyLinked, DepositLinksFull              mynumber.accounts.services
     +-- DepositLinkNotFound                   mynumber.accounts.services
     +-- ProxyRefused                          mynumber.proxies.services
     |    +-- ProxyCodeRefused, ProxyLimitReached, ProxyPersonRefused, GuardianRefused
     +-- ProxyNotFound, ProxyNotPermitted      mynumber.proxies.services
     +-- InstitutionError                      mynumber.institution.exceptions
     |    +-- ProvisionRefused (ValueError)
     +-- LedgerError                           mynumber.ledger.exceptions
          +-- InvalidRange, InvalidTreeState, MalformedEntry (ValueError)
          +-- UnsealFailed (ValueError), StillSealed           mynumber.ledger.sealing
          |    MalformedEntry > EntryTooLarge                   mynumber.ledger.screening
          +-- EntryNotFound, CheckpointNotFound (LookupError)  mynumber.ledger.services
          +-- LedgerCorrupt                                    mynumber.ledger.verification
          +-- InvalidProof > InconsistentTrees; InvalidVerifiers > NoVerifiers, InvalidVerifierKey
          +-- InvalidCheckpoint > MalformedNote, InvalidCheckpointBody, DuplicateSignature,
              BadSignature, UnverifiedCheckpoint

Messages say what was wrong and what to do about it, in the words of the people running the system.
"""

from typing import Final

#: The start of every problem type (RFC 9457 ``type``); an error's ``code`` ends it.
PROBLEM_TYPE_PREFIX: Final = "tag:mynumber,2026:problem:"


class MyNumberError(Exception):
    """Something the operator or the caller can act on went wrong."""

    #: A short, stable, machine-readable name; it becomes the problem type of an HTTP error.
    code: str = "error"

    def __init__(self, message: str) -> None:
        """Keep the one-line message that says what was wrong and what to do."""
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        """Return the message as given."""
        return self.message

    @property
    def problem_type(self) -> str:
        """Return the problem type of this error: :data:`PROBLEM_TYPE_PREFIX` and its code."""
        return f"{PROBLEM_TYPE_PREFIX}{self.code}"

    @property
    def title(self) -> str:
        """Return the short title of this kind of error: the first line of its class's doc."""
        lines = (type(self).__doc__ or "").strip().splitlines()
        return lines[0] if lines else type(self).__name__
