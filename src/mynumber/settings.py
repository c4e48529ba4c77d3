"""The one ``Settings`` of a mynumber process, from ``MYNUMBER_*`` variables and the command line.

Nothing is built at import time: a command or a test makes its own ``Settings`` (usually through
:func:`load_settings`, which turns a bad value into a one-line :class:`ConfigurationError`) and
hands it on. The deployment itself (which nodes exist, where they live) is not a setting: it is
read from ``HOME/deployment.toml`` (:mod:`mynumber.deployment`), and the keys from ``HOME/keys``
(:mod:`mynumber.keys`).
"""

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mynumber.errors import MyNumberError

ENV_PREFIX = "MYNUMBER_"


class ConfigurationError(MyNumberError):
    """The deployment directory, its keys or a setting are missing or wrong."""

    code = "configuration-error"


class Settings(BaseSettings):
    """How this process runs: which deployment, which address, whether it is the demo."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    #: The deployment directory: ``deployment.toml``, ``keys/`` and (by default) ``data/``.
    home: Path
    #: True only for ``mynumber demo``: keys generated for the demo are refused otherwise.
    demo: bool = False
    #: The address ``mynumber serve`` listens on.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    #: Serve only this node (its id in deployment.toml); None serves every node in one process.
    node: str | None = None
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = "info"
    #: Seconds a node waits for another node before calling it unavailable.
    node_timeout: float = Field(default=10.0, gt=0)
    #: Verify the TLS certificates of the nodes this one calls (never switch off in production).
    tls_verify: bool = True
    #: The deployment's own CA (PEM): verifies the nodes this one calls and, when serving HTTPS,
    #: the client certificates of the nodes that call it.
    tls_ca_file: Path | None = None
    #: This node's certificate and key (PEM): served over HTTPS, and presented when calling others.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None

    @model_validator(mode="after")
    def _cert_comes_with_key(self) -> "Settings":
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            msg = "tls_cert_file and tls_key_file go together: set both or neither"
            raise ValueError(msg)
        return self


def load_settings(**values: object) -> Settings:
    """Build the settings from ``values`` (None means "not given") over the environment.

    A value given here wins over its ``MYNUMBER_*`` variable. Any problem becomes one
    :class:`ConfigurationError` naming the setting and its environment variable.
    """
    # Any: each value is checked by pydantic, which is the point of this function.
    given: dict[str, Any] = {name: value for name, value in values.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    """Turn the first validation error into one line an operator can act on."""
    error = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in error["loc"])
    if field == "home" and error["type"] == "missing":
        return f"no deployment directory: pass --dir DIR or set {ENV_PREFIX}HOME"
    if not field:
        return f"invalid settings: {error['msg']}"
    variable = f"{ENV_PREFIX}{field.upper()}"
    return f"invalid setting {field} ({variable}): {error['msg']}; fix the option or the variable"
