"""The photo of a card application: a JPEG or PNG image, checked by its own bytes."""

from typing import Final

from mynumber.cards.exceptions import CardError

#: The largest photo accepted, in bytes.
MAX_PHOTO_BYTES: Final = 5 * 1024 * 1024
_SIGNATURES: Final = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def check_photo(photo: bytes) -> str:
    r"""Return the photo's media type, or refuse what is not a JPEG or PNG image.

    The bytes decide, not a file name or a declared type:

    >>> check_photo(b"\x89PNG\r\n\x1a\n" + bytes(100))
    'image/png'
    >>> check_photo(b"%PDF-1.7 ...")
    Traceback (most recent call last):
    ...
    mynumber.cards.exceptions.CardError: the photo is not an image: send a JPEG or PNG ...
    """
    if len(photo) > MAX_PHOTO_BYTES:
        msg = f"the photo is {len(photo):,} bytes; send one of at most {MAX_PHOTO_BYTES:,} bytes"
        raise CardError(msg)
    for signature, media_type in _SIGNATURES:
        if photo.startswith(signature) and len(photo) > len(signature):
            return media_type
    msg = "the photo is not an image: send a JPEG or PNG photo of the applicant's face"
    raise CardError(msg)
