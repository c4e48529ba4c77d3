"""FF1 format-preserving encryption (NIST SP 800-38G Rev. 1, Algorithm 7 and 8), over AES.

FF1 is a keyed permutation of the strings of ``n`` symbols in base ``radix``: every plaintext has
exactly one ciphertext of the same length and alphabet, so distinct inputs give distinct outputs,
and without the key the mapping cannot be inverted. The number authority uses it to convert a
resident record code into an Individual Number (``mynumber.numbers.generator``).

Two paths compute the same function:

* ``FF1.encrypt`` / ``FF1.decrypt`` take text over the alphabet ``0-9a-z`` (radix 2..36);
* ``FF1.encrypt_array`` / ``FF1.decrypt_array`` take a NumPy array of decimal values (radix 10,
  6..18 digits) and run each Feistel round for the whole array at once: one AES-ECB call over all
  the round blocks and a few vector operations.

Both use the same shortcut: the PRF of round ``i`` is the CBC-MAC of ``P || Q``, and every block
before the last block of ``Q`` is the same in all rounds and for all inputs under one tweak, so its
chaining value is computed once and each round costs one AES block per input.

NIST's published sample vectors (FF1samples.pdf) pin both paths down in ``tests/vectors``.
"""

from dataclasses import dataclass

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from numpy.typing import NDArray

from mynumber.numbers.exceptions import InvalidFormat, InvalidLength

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
ROUNDS = 10
BLOCK = 16
#: SP 800-38G Rev. 1 requires radix ** minlen >= 1,000,000.
MIN_DOMAIN = 1_000_000
#: The array path keeps both halves and the round values in unsigned 64-bit integers.
MAX_ARRAY_DIGITS = 18
#: The array path works through this many values at a time: its buffers then fit in the CPU cache.
ARRAY_SLICE = 1 << 14


@dataclass(frozen=True)
class _Layout:
    """The per-length, per-tweak constants of one FF1 computation."""

    u: int
    v: int
    b: int
    d: int
    #: CBC-MAC chaining value after the whole blocks of P || T || padding.
    chain: bytes
    #: The rest of T || padding, which starts the blocks that also hold [i] and NUM(B).
    tail: bytes


class FF1:
    """FF1 under one AES key (16, 24 or 32 bytes) for one radix."""

    def __init__(self, key: bytes, radix: int = 10) -> None:
        """Prepare the AES key schedule; ``radix`` must be 2..36."""
        if len(key) not in (16, 24, 32):
            msg = f"an FF1 key is an AES key of 16, 24 or 32 bytes, not {len(key)} bytes"
            raise ValueError(msg)
        if not 2 <= radix <= len(ALPHABET):
            msg = f"the radix must be between 2 and {len(ALPHABET)}, not {radix}"
            raise ValueError(msg)
        self.radix = radix
        self._ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - FF1 is built on single-block AES

    def _aes(self, data: bytes) -> bytes:
        """Encrypt whole blocks with the raw block cipher (the CIPH of SP 800-38G)."""
        return self._ecb.update(data)

    def _layout(self, n: int, tweak: bytes) -> _Layout:
        """Compute the constants of steps 1-5 and the constant part of step 6.i."""
        if self.radix**n < MIN_DOMAIN:
            msg = (
                f"FF1 needs at least {MIN_DOMAIN:,} possible values; "
                f"{n} digits in radix {self.radix} give fewer"
            )
            raise InvalidLength(msg)
        u, v, t = n // 2, n - n // 2, len(tweak)
        b = ((self.radix**v - 1).bit_length() + 7) // 8
        d = 4 * ((b + 3) // 4) + 4
        p = bytes([1, 2, 1]) + self.radix.to_bytes(3, "big") + bytes([10, u % 256])
        p += n.to_bytes(4, "big") + t.to_bytes(4, "big")
        # P || T || padding is the same in every round: chain the CBC-MAC over its blocks once.
        fixed = p + tweak + bytes((-t - b - 1) % BLOCK)
        whole = len(fixed) - len(fixed) % BLOCK
        chain = bytes(BLOCK)
        for offset in range(0, whole, BLOCK):
            chain = self._aes(_xor(chain, fixed[offset : offset + BLOCK]))
        return _Layout(u, v, b, d, chain, fixed[whole:])

    def _round_value(self, layout: _Layout, i: int, half: int) -> int:
        """Return y of round ``i`` (steps 6.i-6.iv) for NUM(B) = ``half``."""
        blocks = layout.tail + bytes([i]) + half.to_bytes(layout.b, "big")
        r = layout.chain
        for offset in range(0, len(blocks), BLOCK):
            r = self._aes(_xor(r, blocks[offset : offset + BLOCK]))
        s = r + b"".join(
            self._aes(_xor(r, j.to_bytes(BLOCK, "big")))
            for j in range(1, (layout.d + BLOCK - 1) // BLOCK)
        )
        return int.from_bytes(s[: layout.d], "big")

    def encrypt(self, text: str, tweak: bytes = b"") -> str:
        """Return the FF1 encryption of ``text`` (symbols ``0-9a-z`` below the radix)."""
        layout, a, b = self._split(text, tweak)
        for i in range(ROUNDS):
            m = layout.u if i % 2 == 0 else layout.v
            a, b = b, (a + self._round_value(layout, i, b)) % self.radix**m
        return self._text(a, layout.u) + self._text(b, layout.v)

    def decrypt(self, text: str, tweak: bytes = b"") -> str:
        """Return the FF1 decryption of ``text`` under ``tweak``: the inverse of ``encrypt``."""
        layout, a, b = self._split(text, tweak)
        for i in reversed(range(ROUNDS)):
            m = layout.u if i % 2 == 0 else layout.v
            a, b = (b - self._round_value(layout, i, a)) % self.radix**m, a
        return self._text(a, layout.u) + self._text(b, layout.v)

    def _split(self, text: str, tweak: bytes) -> tuple[_Layout, int, int]:
        """Check ``text`` against the alphabet and return the layout and NUM of both halves."""
        symbols = ALPHABET[: self.radix]
        if not text or any(symbol not in symbols for symbol in text):
            msg = f"FF1 in radix {self.radix} takes text made of {symbols!r}, not {text!r}"
            raise InvalidFormat(msg)
        layout = self._layout(len(text), tweak)
        return layout, int(text[: layout.u], self.radix), int(text[layout.u :], self.radix)

    def _text(self, value: int, length: int) -> str:
        """Return STR^length_radix(value)."""
        symbols = []
        for _ in range(length):
            value, symbol = divmod(value, self.radix)
            symbols.append(ALPHABET[symbol])
        return "".join(reversed(symbols))

    def encrypt_array(
        self, values: NDArray[np.uint64], digits: int, tweak: bytes = b""
    ) -> NDArray[np.uint64]:
        """Encrypt every value of ``values`` as a ``digits``-digit decimal string, all at once."""
        return self._feistel_array(values, digits, tweak, decrypt=False)

    def decrypt_array(
        self, values: NDArray[np.uint64], digits: int, tweak: bytes = b""
    ) -> NDArray[np.uint64]:
        """Decrypt every value of ``values``: the inverse of ``encrypt_array``."""
        return self._feistel_array(values, digits, tweak, decrypt=True)

    def _feistel_array(
        self, values: NDArray[np.uint64], digits: int, tweak: bytes, *, decrypt: bool
    ) -> NDArray[np.uint64]:
        """Run the ten rounds over ``values`` a slice at a time: the buffers stay in the cache."""
        layout, high, low = self._split_array(values, digits, tweak)
        rounds = _ArrayRounds(self._ecb, layout, min(high.size, ARRAY_SLICE))
        for start in range(0, high.size, ARRAY_SLICE):
            a, b = high[start : start + ARRAY_SLICE], low[start : start + ARRAY_SLICE]
            if decrypt:
                for i in reversed(range(ROUNDS)):
                    rounds.unmix(i, b, a)
                    a, b = b, a
            else:
                for i in range(ROUNDS):
                    rounds.mix(i, a, b)
                    a, b = b, a
        # An even number of rounds leaves the halves in their original arrays.
        high *= np.uint64(10**layout.v)
        high += low
        return high

    def _split_array(
        self, values: NDArray[np.uint64], digits: int, tweak: bytes
    ) -> tuple[_Layout, NDArray[np.uint64], NDArray[np.uint64]]:
        """Check the array's domain and return the layout and both halves as new arrays."""
        if self.radix != 10:
            msg = "the array path of FF1 is for radix 10 only"
            raise ValueError(msg)
        if not 6 <= digits <= MAX_ARRAY_DIGITS:
            msg = f"the array path of FF1 takes 6 to {MAX_ARRAY_DIGITS} digits, not {digits}"
            raise InvalidLength(msg)
        array = np.asarray(values)
        if array.dtype != np.uint64 or array.ndim != 1:
            msg = f"FF1 arrays are one-dimensional uint64 arrays, not {array.ndim}-d {array.dtype}"
            raise InvalidFormat(msg)
        if array.size and int(array.max()) >= 10**digits:
            msg = f"a value of the array has more than {digits} digits"
            raise InvalidFormat(msg)
        layout = self._layout(digits, tweak)
        high, low = np.divmod(array, np.uint64(10**layout.v))
        return layout, high, low


class _ArrayRounds:
    """Buffers for the round function of the array path, reused across rounds and slices.

    With at most 9 digits per half, NUM(B) takes b <= 4 bytes, so the last block of Q is
    ``tail || [i] || NUM(B)`` with [i] and NUM(B) both in its second 8-byte word, and d = 8: y is
    the first 8-byte word of R. Words are handled little-endian in memory ('<u8') whatever the
    machine, with NUM(B) stored big-endian ('>u8') into the last bytes of the block.
    """

    def __init__(self, ecb: CipherContext, layout: _Layout, size: int) -> None:
        """Allocate the buffers for slices of up to ``size`` values."""
        self._ecb = ecb
        self._layout = layout
        self._constants = [
            np.frombuffer(
                _xor(layout.chain, layout.tail + bytes([i]) + bytes(layout.b)), dtype="<u8"
            )
            for i in range(ROUNDS)
        ]
        self._blocks = np.empty((size, 2), dtype="<u8")
        self._blocks[:, 0] = self._constants[0][0]
        self._number = np.empty(size, dtype=">u8")
        self._output = np.empty(size * BLOCK + BLOCK, dtype=np.uint8)
        self._output_view = memoryview(self._output.data).cast("B")
        self._y = np.empty(size, dtype=np.uint64)
        self._quotient = np.empty(size, dtype=np.uint64)
        self._moduli = [
            np.uint64(10 ** (layout.u if i % 2 == 0 else layout.v)) for i in range(ROUNDS)
        ]

    def mix(self, i: int, a: NDArray[np.uint64], b: NDArray[np.uint64]) -> None:
        """Encryption round ``i``: set ``a`` to (a + y(b)) mod radix^m in place (steps 6.i-6.vi)."""
        y = self._values(i, b)
        a += y
        self._reduce(a, self._moduli[i])

    def unmix(self, i: int, b: NDArray[np.uint64], a: NDArray[np.uint64]) -> None:
        """Decryption round ``i``: set ``b`` to (b - y(a)) mod radix^m, in place."""
        y = self._values(i, a)
        np.subtract(self._moduli[i], y, out=y)
        b += y
        self._reduce(b, self._moduli[i])

    def _reduce(self, values: NDArray[np.uint64], modulus: np.uint64) -> None:
        """Bring ``values`` below 2 * ``modulus`` back below ``modulus``, in place.

        ``values - modulus`` wraps around to a huge number exactly when ``values < modulus``, so the
        smaller of the two is the reduced value.
        """
        spare = self._quotient[: values.size]
        np.subtract(values, modulus, out=spare)
        np.minimum(values, spare, out=values)

    def _values(self, i: int, half: NDArray[np.uint64]) -> NDArray[np.uint64]:
        """Return y mod radix^m of round ``i`` for every NUM(B) in ``half``."""
        size = half.size
        blocks, number, y, quotient = (
            self._blocks[:size],
            self._number[:size],
            self._y[:size],
            self._quotient[:size],
        )
        np.copyto(number, half)
        np.bitwise_xor(number.view("<u8"), self._constants[i][1], out=blocks[:, 1])
        self._ecb.update_into(memoryview(blocks.data).cast("B"), self._output_view)
        np.copyto(y, self._output[: size * BLOCK].view(">u8")[::2])
        np.floor_divide(y, self._moduli[i], out=quotient)
        quotient *= self._moduli[i]
        y -= quotient
        return y


def _xor(left: bytes, right: bytes) -> bytes:
    """XOR two byte strings of the same length."""
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(len(left), "big")
