"""The number formats and the number generator: the pure core everything else validates with.

One module per format, each with the verbs ``compact``, ``validate``, ``is_valid``, ``format`` and
``calc_check_digit``:

* ``individual``: the Individual Number (個人番号), 12 digits;
* ``corporate``: the Corporate Number (法人番号), 13 digits;
* ``resident_code``: the resident record code (住民票コード), 11 digits.

``bulk`` validates NumPy arrays of them; ``ff1`` is the format-preserving cipher and ``generator``
the number authority's conversion of resident record codes into numbers.
"""
