"""The ``mynumber`` command line."""
