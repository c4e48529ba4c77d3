"""FF1 properties: round trips, the array path equal to the scalar path, and a textbook oracle.

``_textbook_encrypt`` follows SP 800-38G Algorithm 7 step by step, with the PRF computed as a full
AES-CBC-MAC over P || Q in every round. The code under test instead chains the CBC-MAC over the
blocks that do not change once per tweak and reuses it; comparing the two over random radixes,
lengths and tweaks (long tweaks make Q span several blocks) checks that shortcut. The oracle itself
is pinned to NIST's vectors first.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mynumber.numbers.ff1 import ALPHABET, ARRAY_SLICE, FF1

VECTORS = json.loads(
    (Path(__file__).parents[2] / "vectors" / "ff1_nist.json").read_text(encoding="utf-8")
)
KEY = bytes(range(100, 132))


def _min_length(radix: int) -> int:
    """Return the fewest symbols whose domain holds at least a million values."""
    length = 1
    while radix**length < 1_000_000:
        length += 1
    return length


def _textbook_encrypt(key: bytes, radix: int, text: str, tweak: bytes) -> str:
    """Return FF1.Encrypt(K, T, X) computed literally as SP 800-38G Algorithm 7 writes it."""
    n, t = len(text), len(tweak)
    u, v = n // 2, n - n // 2
    a, b = text[:u], text[u:]
    bits = 0  # ceil(v * log2(radix)), found exactly: the smallest k with 2**k >= radix**v
    while 2**bits < radix**v:
        bits += 1
    b_len = -(-bits // 8)
    d = 4 * -(-b_len // 4) + 4
    p = bytes([1, 2, 1]) + radix.to_bytes(3, "big") + bytes([10, u % 256])
    p += n.to_bytes(4, "big") + t.to_bytes(4, "big")
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - CIPH of step 6.iii
    for i in range(10):
        q = tweak + bytes((-t - b_len - 1) % 16) + bytes([i])
        q += int(b, radix).to_bytes(b_len, "big")
        cbc = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
        r = (cbc.update(p + q) + cbc.finalize())[-16:]
        s = r
        j = 1
        while len(s) < d:
            s += ecb.update(bytes(x ^ y for x, y in zip(r, j.to_bytes(16, "big"), strict=True)))
            j += 1
        y = int.from_bytes(s[:d], "big")
        m = u if i % 2 == 0 else v
        c = (int(a, radix) + y) % radix**m
        symbols = ""
        for _ in range(m):
            c, symbol = divmod(c, radix)
            symbols = ALPHABET[symbol] + symbols
        a, b = b, symbols
    return a + b


@st.composite
def _ff1_inputs(draw: st.DrawFn, max_extra: int = 40) -> tuple[bytes, int, str, bytes]:
    """Draw an AES key, a radix 2..36, a text of a length FF1 allows, and a tweak."""
    key = draw(st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
    radix = draw(st.integers(2, 36))
    length = draw(st.integers(_min_length(radix), _min_length(radix) + max_extra))
    text = draw(st.text(alphabet=ALPHABET[:radix], min_size=length, max_size=length))
    tweak = draw(st.binary(max_size=80))
    return key, radix, text, tweak


def _digits(values: list[int], digits: int) -> list[str]:
    """Return the values as zero-padded decimal strings."""
    return [f"{value:0{digits}d}" for value in values]


@pytest.mark.parametrize("sample", VECTORS["samples"], ids=lambda s: f"sample{s['sample']}")
def test_the_textbook_oracle_reproduces_nists_vectors(sample: dict[str, str]) -> None:
    """The literal Algorithm 7 used as an oracle below gives NIST's ciphertexts."""
    encrypted = _textbook_encrypt(
        bytes.fromhex(sample["key"]),
        int(sample["radix"]),
        sample["plaintext"],
        bytes.fromhex(sample["tweak"]),
    )
    assert encrypted == sample["ciphertext"]


@given(_ff1_inputs())
def test_decrypt_inverts_encrypt(inputs: tuple[bytes, int, str, bytes]) -> None:
    """Decrypt(encrypt(x)) == x for any radix, allowed length and tweak; length, alphabet kept."""
    key, radix, text, tweak = inputs
    ff1 = FF1(key, radix)
    encrypted = ff1.encrypt(text, tweak)
    assert len(encrypted) == len(text)
    assert set(encrypted) <= set(ALPHABET[:radix])
    assert ff1.decrypt(encrypted, tweak) == text


@given(_ff1_inputs())
def test_encrypt_inverts_decrypt(inputs: tuple[bytes, int, str, bytes]) -> None:
    """encrypt(decrypt(x)) == x: decryption is a permutation too."""
    key, radix, text, tweak = inputs
    ff1 = FF1(key, radix)
    assert ff1.encrypt(ff1.decrypt(text, tweak), tweak) == text


@settings(max_examples=60, deadline=None)
@given(_ff1_inputs(max_extra=24))
def test_scalar_path_equals_the_textbook_algorithm(inputs: tuple[bytes, int, str, bytes]) -> None:
    """FF1.encrypt agrees with the literal Algorithm 7 for any radix, length and tweak length."""
    key, radix, text, tweak = inputs
    assert FF1(key, radix).encrypt(text, tweak) == _textbook_encrypt(key, radix, text, tweak)


@pytest.mark.parametrize("tweak_length", [0, 1, 5, 6, 7, 15, 16, 17, 21, 22, 32, 48, 100])
def test_scalar_path_equals_the_textbook_algorithm_at_block_edges(tweak_length: int) -> None:
    """Tweak lengths around the 16-byte block edges give the textbook result in radix 10 and 36."""
    tweak = bytes(range(7, 7 + tweak_length))
    for radix, text in ((10, "62149832025"), (10, "012345"), (36, "0123456789abcdefghi")):
        encrypted = FF1(KEY, radix).encrypt(text, tweak)
        assert encrypted == _textbook_encrypt(KEY, radix, text, tweak), (radix, text)


@pytest.mark.parametrize(("radix", "length"), [(10, 100), (36, 200), (2, 600), (16, 1000)])
def test_long_texts_equal_the_textbook_algorithm(radix: int, length: int) -> None:
    """Texts long enough that S takes several AES blocks and n > 255 give the textbook result."""
    text = "".join(ALPHABET[(7 * i + 3) % radix] for i in range(length))
    tweak = b"long text"
    ff1 = FF1(KEY, radix)
    encrypted = ff1.encrypt(text, tweak)
    assert encrypted == _textbook_encrypt(KEY, radix, text, tweak)
    assert ff1.decrypt(encrypted, tweak) == text


@st.composite
def _array_inputs(draw: st.DrawFn) -> tuple[int, list[int], bytes]:
    """Draw a digit count 6..18, a list of values of that many digits and a tweak up to 70 bytes."""
    digits = draw(st.integers(6, 18))
    values = draw(st.lists(st.integers(0, 10**digits - 1), min_size=1, max_size=24))
    tweak = draw(st.binary(max_size=70))
    return digits, values, tweak


@settings(deadline=None)
@given(_array_inputs())
def test_array_path_equals_scalar_path(inputs: tuple[int, list[int], bytes]) -> None:
    """encrypt_array and decrypt_array give, value by value, what encrypt and decrypt give."""
    digits, values, tweak = inputs
    ff1 = FF1(KEY)
    array = np.array(values, dtype=np.uint64)
    encrypted = ff1.encrypt_array(array, digits, tweak)
    assert encrypted.dtype == np.uint64
    assert _digits(encrypted.tolist(), digits) == [
        ff1.encrypt(text, tweak) for text in _digits(values, digits)
    ]
    decrypted = ff1.decrypt_array(array, digits, tweak)
    assert _digits(decrypted.tolist(), digits) == [
        ff1.decrypt(text, tweak) for text in _digits(values, digits)
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    digits=st.integers(6, 18),
    size=st.sampled_from([1, 2, 100, ARRAY_SLICE - 1, ARRAY_SLICE, ARRAY_SLICE + 1]),
    seed=st.integers(0, 2**32 - 1),
    tweak=st.binary(max_size=70),
)
def test_array_decrypt_inverts_array_encrypt(
    digits: int, size: int, seed: int, tweak: bytes
) -> None:
    """decrypt_array(encrypt_array(x)) == x for random arrays, also across the slice size."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 10**digits, size=size, dtype=np.uint64)
    ff1 = FF1(KEY)
    encrypted = ff1.encrypt_array(values, digits, tweak)
    assert int(encrypted.max()) < 10**digits
    assert np.array_equal(ff1.decrypt_array(encrypted, digits, tweak), values)


@pytest.mark.parametrize(
    "size",
    [ARRAY_SLICE - 1, ARRAY_SLICE, ARRAY_SLICE + 1, 2 * ARRAY_SLICE + 7],
)
@pytest.mark.parametrize(
    ("digits", "tweak"),
    [(11, b""), (18, bytes(range(40)))],
    ids=["11-digits-no-tweak", "18-digits-40-byte-tweak"],
)
def test_array_path_equals_scalar_path_across_slices(size: int, digits: int, tweak: bytes) -> None:
    """Arrays around and beyond the internal slice size give the scalar result at every edge."""
    rng = np.random.default_rng(size * 31 + digits)
    values = rng.integers(0, 10**digits, size=size, dtype=np.uint64)
    ff1 = FF1(KEY)
    encrypted = ff1.encrypt_array(values, digits, tweak)
    edges = {0, ARRAY_SLICE - 2, ARRAY_SLICE - 1, ARRAY_SLICE, ARRAY_SLICE + 1, size - 1}
    picks = sorted({i for i in edges if 0 <= i < size} | set(rng.integers(0, size, 40).tolist()))
    for index in picks:
        text = f"{int(values[index]):0{digits}d}"
        assert f"{int(encrypted[index]):0{digits}d}" == ff1.encrypt(text, tweak), index
    # Each value is encrypted on its own: pieces well below the slice size give the same result.
    pieces = [ff1.encrypt_array(values[i : i + 1000], digits, tweak) for i in range(0, size, 1000)]
    assert np.array_equal(np.concatenate(pieces), encrypted)
    decrypted = ff1.decrypt_array(encrypted, digits, tweak)
    assert np.array_equal(decrypted, values)


def test_a_different_tweak_gives_a_different_permutation() -> None:
    """The same values under two tweaks give different ciphertexts on the array path."""
    values = np.arange(10**10, 10**10 + 1000, dtype=np.uint64)
    ff1 = FF1(KEY)
    first = ff1.encrypt_array(values, 11, b"")
    second = ff1.encrypt_array(values, 11, b"\x00")
    assert np.count_nonzero(first == second) <= 1
    assert len(np.unique(first)) == values.size
