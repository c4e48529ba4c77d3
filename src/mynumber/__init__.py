"""mynumber: a national individual-number system modelled on Japan's My Number (個人番号)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mynumber")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
