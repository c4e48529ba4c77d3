"""Which documents prove a number and an identity in person (番号法 第16条; SPEC.md 4).

The card alone proves both. Otherwise the number is proved by a document that shows it (a copy of
the resident record with the number, or an old notification card whose details still match) and
the identity by one photo ID or two other IDs. The notice of the number (個人番号通知書) proves
neither: it says so on its face.
"""

from collections.abc import Sequence
from typing import Final

from mynumber.cards.exceptions import CardError

#: The card itself (個人番号カード): number and identity at once.
CARD: Final = "individual-number-card"
#: Documents that show the number.
NUMBER_DOCUMENTS: Final = frozenset({"resident-record-with-number", "notification-card"})
#: Identity documents with a photo.
PHOTO_IDS: Final = frozenset(
    {"driving-licence", "passport", "residence-card", "disability-handbook", "driving-history"}
)
#: Identity documents without a photo; two are needed.
OTHER_IDS: Final = frozenset(
    {"health-insurance-card", "pension-book", "pension-certificate", "child-allowance-card"}
)
#: Never accepted.
NUMBER_NOTICE: Final = "number-notice"
KNOWN: Final = frozenset({CARD, NUMBER_NOTICE}) | NUMBER_DOCUMENTS | PHOTO_IDS | OTHER_IDS


class DocumentsRefused(CardError):
    """The documents checked do not prove both the number and the person."""

    code = "documents-refused"


def check_documents(documents: Sequence[str]) -> list[str]:
    """Return the documents, sorted, if they prove number and identity; refuse them otherwise.

    >>> check_documents(["individual-number-card"])
    ['individual-number-card']
    >>> check_documents(["notification-card", "health-insurance-card", "pension-book"])
    ['health-insurance-card', 'notification-card', 'pension-book']
    >>> check_documents(["number-notice", "passport"])
    Traceback (most recent call last):
    ...
    mynumber.cards.documents.DocumentsRefused: the notice of the number is not accepted ...
    """
    seen = set(documents)
    unknown = sorted(seen - KNOWN)
    if unknown:
        msg = f"unknown document {unknown[0]!r}; known documents: {', '.join(sorted(KNOWN))}"
        raise DocumentsRefused(msg)
    if NUMBER_NOTICE in seen:
        msg = (
            "the notice of the number is not accepted as proof of the number or of identity: "
            "ask for the card, or a resident record showing the number and a photo ID"
        )
        raise DocumentsRefused(msg)
    if CARD in seen:
        return sorted(seen)
    if not seen & NUMBER_DOCUMENTS:
        msg = (
            "nothing proves the number: check the card, a resident record copy showing the "
            "number, or a notification card whose details still match"
        )
        raise DocumentsRefused(msg)
    if not seen & PHOTO_IDS and len(seen & OTHER_IDS) < 2:
        msg = "the person's identity needs one photo ID, or two IDs without a photo"
        raise DocumentsRefused(msg)
    return sorted(seen)
