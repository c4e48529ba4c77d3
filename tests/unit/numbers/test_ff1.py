"""FF1 against NIST's published sample vectors (SP 800-38G, FF1samples), and FF1's refusals.

The vectors live in ``tests/vectors/ff1_nist.json``. Both the scalar path and the radix-10 array
path must reproduce them, and a key, tweak or plaintext that differs in one place must not.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mynumber.numbers.exceptions import InvalidFormat, InvalidLength
from mynumber.numbers.ff1 import FF1, MAX_ARRAY_DIGITS

VECTORS_FILE = Path(__file__).parents[2] / "vectors" / "ff1_nist.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
SAMPLES: list[dict[str, Any]] = VECTORS["samples"]
RADIX_10 = [sample for sample in SAMPLES if sample["radix"] == 10]
KEY_128 = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")


def _id(sample: dict[str, Any]) -> str:
    """Name a sample in the test report."""
    return f"sample{sample['sample']}-aes{sample['aes']}-radix{sample['radix']}"


def _cipher(sample: dict[str, Any]) -> FF1:
    """Return FF1 under the sample's key and radix."""
    return FF1(bytes.fromhex(sample["key"]), sample["radix"])


def _flip_bit(data: bytes, index: int) -> bytes:
    """Return ``data`` with the lowest bit of byte ``index`` flipped."""
    return data[:index] + bytes([data[index] ^ 1]) + data[index + 1 :]


def test_the_vector_file_holds_nists_nine_samples() -> None:
    """The vector file names its source and holds samples 1-9: three key sizes, three each."""
    assert "SP 800-38G" in VECTORS["source"]
    assert "FF1samples" in VECTORS["source"]
    assert [sample["sample"] for sample in SAMPLES] == list(range(1, 10))
    assert (
        sorted(len(bytes.fromhex(sample["key"])) for sample in SAMPLES)
        == [16] * 3 + [24] * 3 + [32] * 3
    )
    assert {sample["radix"] for sample in SAMPLES} == {10, 36}


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_scalar_encrypt_gives_the_published_ciphertext(sample: dict[str, Any]) -> None:
    """FF1.encrypt turns the sample's plaintext into NIST's ciphertext."""
    ff1 = _cipher(sample)
    assert ff1.encrypt(sample["plaintext"], bytes.fromhex(sample["tweak"])) == sample["ciphertext"]


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_scalar_decrypt_gives_back_the_plaintext(sample: dict[str, Any]) -> None:
    """FF1.decrypt turns NIST's ciphertext back into the sample's plaintext."""
    ff1 = _cipher(sample)
    assert ff1.decrypt(sample["ciphertext"], bytes.fromhex(sample["tweak"])) == sample["plaintext"]


@pytest.mark.parametrize("sample", RADIX_10, ids=_id)
def test_array_path_gives_the_published_ciphertext(sample: dict[str, Any]) -> None:
    """encrypt_array and decrypt_array reproduce the radix-10 samples, leading zero included."""
    ff1 = _cipher(sample)
    tweak = bytes.fromhex(sample["tweak"])
    digits = len(sample["plaintext"])
    plain = np.array([int(sample["plaintext"])], dtype=np.uint64)
    cipher = np.array([int(sample["ciphertext"])], dtype=np.uint64)
    encrypted = ff1.encrypt_array(plain, digits, tweak)
    assert [f"{value:0{digits}d}" for value in encrypted.tolist()] == [sample["ciphertext"]]
    decrypted = ff1.decrypt_array(cipher, digits, tweak)
    assert [f"{value:0{digits}d}" for value in decrypted.tolist()] == [sample["plaintext"]]


@pytest.mark.parametrize("sample", RADIX_10, ids=_id)
def test_array_path_leaves_its_input_alone(sample: dict[str, Any]) -> None:
    """The array path returns a new array: the caller's plaintexts are not overwritten."""
    plain = np.array([int(sample["plaintext"])] * 3, dtype=np.uint64)
    _cipher(sample).encrypt_array(plain, len(sample["plaintext"]), bytes.fromhex(sample["tweak"]))
    assert plain.tolist() == [int(sample["plaintext"])] * 3


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_a_key_one_bit_off_does_not_give_the_published_ciphertext(
    sample: dict[str, Any],
) -> None:
    """Flipping any one byte's low bit of the key changes the ciphertext."""
    key = bytes.fromhex(sample["key"])
    tweak = bytes.fromhex(sample["tweak"])
    for index in (0, len(key) // 2, len(key) - 1):
        ff1 = FF1(_flip_bit(key, index), sample["radix"])
        assert ff1.encrypt(sample["plaintext"], tweak) != sample["ciphertext"]


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_a_different_tweak_does_not_give_the_published_ciphertext(
    sample: dict[str, Any],
) -> None:
    """A tweak with one bit flipped, one byte more or one byte less changes the ciphertext."""
    ff1 = _cipher(sample)
    tweak = bytes.fromhex(sample["tweak"])
    others = [tweak + b"\x00", b"1" + tweak]
    if tweak:
        others += [_flip_bit(tweak, 0), _flip_bit(tweak, len(tweak) - 1), tweak[:-1]]
    for other in others:
        assert ff1.encrypt(sample["plaintext"], other) != sample["ciphertext"], other


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_one_changed_plaintext_symbol_does_not_give_the_published_ciphertext(
    sample: dict[str, Any],
) -> None:
    """Changing any single symbol of the plaintext changes the ciphertext."""
    ff1 = _cipher(sample)
    tweak = bytes.fromhex(sample["tweak"])
    alphabet = VECTORS["alphabet"][: sample["radix"]]
    plaintext = sample["plaintext"]
    for index, symbol in enumerate(plaintext):
        replacement = alphabet[(alphabet.index(symbol) + 1) % len(alphabet)]
        changed = plaintext[:index] + replacement + plaintext[index + 1 :]
        assert ff1.encrypt(changed, tweak) != sample["ciphertext"], changed


@pytest.mark.parametrize("sample", RADIX_10, ids=_id)
def test_array_path_with_one_changed_digit_does_not_give_the_published_ciphertext(
    sample: dict[str, Any],
) -> None:
    """The array path gives ten different ciphertexts for the ten one-digit changes."""
    plaintext = sample["plaintext"]
    changed = [
        plaintext[:index] + str((int(digit) + 1) % 10) + plaintext[index + 1 :]
        for index, digit in enumerate(plaintext)
    ]
    values = np.array([int(text) for text in changed], dtype=np.uint64)
    encrypted = _cipher(sample).encrypt_array(
        values, len(plaintext), bytes.fromhex(sample["tweak"])
    )
    assert int(sample["ciphertext"]) not in encrypted.tolist()
    assert len(set(encrypted.tolist())) == len(changed)


@pytest.mark.parametrize("length", [0, 1, 8, 15, 17, 31, 33, 64])
def test_a_key_that_is_not_an_aes_key_is_refused(length: int) -> None:
    """Keys of other than 16, 24 or 32 bytes are refused with a ValueError naming the sizes."""
    with pytest.raises(ValueError, match=r"16, 24 or 32 bytes"):
        FF1(bytes(length))


@pytest.mark.parametrize("radix", [-10, 0, 1, 37, 64, 256])
def test_a_radix_outside_2_to_36_is_refused(radix: int) -> None:
    """Only radixes 2..36 are accepted: the alphabet is 0-9a-z."""
    with pytest.raises(ValueError, match=r"radix must be between 2 and 36"):
        FF1(KEY_128, radix)


@pytest.mark.parametrize(
    ("radix", "text"),
    [
        (10, ""),
        (10, "01234a"),
        (10, "012345 "),
        (10, "0123456789A"),
        (10, "０１２３４５６"),
        (10, "٠١٢٣٤٥٦"),
        (10, "+123456"),
        (10, "123_456"),
        (16, "0123456789abcdefg"),
        (16, "0123456789ABCDEF"),
        (2, "0101010101010101010102"),
        (36, "abcd-efg"),
    ],
)
def test_text_outside_the_alphabet_is_refused(radix: int, text: str) -> None:
    """Symbols that are not among the radix's first symbols of 0-9a-z are an InvalidFormat."""
    ff1 = FF1(KEY_128, radix)
    with pytest.raises(InvalidFormat, match="takes text made of"):
        ff1.encrypt(text)
    with pytest.raises(InvalidFormat, match="takes text made of"):
        ff1.decrypt(text)


@pytest.mark.parametrize(
    ("radix", "too_short", "long_enough"),
    [(10, 5, 6), (2, 19, 20), (16, 4, 5), (36, 3, 4), (3, 12, 13)],
)
def test_the_domain_must_hold_a_million_values(
    radix: int, too_short: int, long_enough: int
) -> None:
    """A radix ** length below 1,000,000 is an InvalidLength; the shortest length above it works."""
    ff1 = FF1(KEY_128, radix)
    with pytest.raises(InvalidLength, match="1,000,000"):
        ff1.encrypt("1" * too_short)
    with pytest.raises(InvalidLength, match="1,000,000"):
        ff1.decrypt("1" * too_short)
    encrypted = ff1.encrypt("1" * long_enough)
    assert len(encrypted) == long_enough
    assert ff1.decrypt(encrypted) == "1" * long_enough


@pytest.mark.parametrize(
    "values",
    [
        np.array([123456], dtype=np.int64),
        np.array([123456], dtype=np.uint32),
        np.array([123456.0]),
        np.array([[123456]], dtype=np.uint64),
        np.array([123456], dtype=">u8"),
        np.array(["123456"]),
        [123456],
    ],
    ids=["int64", "uint32", "float", "2-d", "big-endian", "str", "list"],
)
def test_the_array_path_takes_only_one_dimensional_uint64_arrays(values: Any) -> None:
    """Anything but a 1-d native uint64 array is an InvalidFormat, for encryption and decryption."""
    ff1 = FF1(KEY_128)
    with pytest.raises(InvalidFormat, match="one-dimensional uint64"):
        ff1.encrypt_array(values, 6)
    with pytest.raises(InvalidFormat, match="one-dimensional uint64"):
        ff1.decrypt_array(values, 6)


@pytest.mark.parametrize("digits", [6, 11, 18])
def test_the_array_path_refuses_values_with_too_many_digits(digits: int) -> None:
    """A value of 10 ** digits does not fit ``digits`` digits: InvalidFormat."""
    ff1 = FF1(KEY_128)
    values = np.array([0, 10**digits - 1, 10**digits], dtype=np.uint64)
    with pytest.raises(InvalidFormat, match=f"more than {digits} digits"):
        ff1.encrypt_array(values, digits)
    assert ff1.encrypt_array(values[:2], digits).max() < 10**digits


@pytest.mark.parametrize("digits", [0, 2, 5, MAX_ARRAY_DIGITS + 1, 20])
def test_the_array_path_takes_6_to_18_digits(digits: int) -> None:
    """Lengths outside 6..18 digits are an InvalidLength on the array path."""
    with pytest.raises(InvalidLength, match="6 to 18 digits"):
        FF1(KEY_128).encrypt_array(np.array([1], dtype=np.uint64), digits)


def test_the_array_path_is_for_radix_10_only() -> None:
    """An FF1 of another radix refuses the array path with a ValueError."""
    with pytest.raises(ValueError, match="radix 10 only"):
        FF1(KEY_128, 16).encrypt_array(np.array([123456], dtype=np.uint64), 6)


def test_an_empty_array_gives_an_empty_array() -> None:
    """Encrypting no values gives no values, not an error."""
    assert FF1(KEY_128).encrypt_array(np.array([], dtype=np.uint64), 11).tolist() == []
