"""Settings come from MYNUMBER_* variables and options; a bad one is one line naming it."""

from pathlib import Path

import pytest

from mynumber.settings import ConfigurationError, Settings, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test without any MYNUMBER_ serving variable from the outside world."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"MYNUMBER_{name.upper()}", raising=False)


def test_defaults_listen_on_localhost_8000_outside_the_demo(tmp_path: Path) -> None:
    """Without options a deployment is served on 127.0.0.1:8000, not as the demo."""
    settings = load_settings(home=tmp_path)
    assert (settings.host, settings.port, settings.demo, settings.node) == (
        "127.0.0.1",
        8000,
        False,
        None,
    )


def test_variables_with_the_mynumber_prefix_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MYNUMBER_HOME, MYNUMBER_PORT and MYNUMBER_DEMO set the deployment, port and demo flag."""
    monkeypatch.setenv("MYNUMBER_HOME", str(tmp_path))
    monkeypatch.setenv("MYNUMBER_PORT", "9100")
    monkeypatch.setenv("MYNUMBER_DEMO", "true")
    settings = load_settings()
    assert (settings.home, settings.port, settings.demo) == (tmp_path, 9100, True)


def test_an_option_wins_over_its_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A value given on the command line replaces the environment's; None means not given."""
    monkeypatch.setenv("MYNUMBER_HOME", "/elsewhere")
    monkeypatch.setenv("MYNUMBER_PORT", "9100")
    settings = load_settings(home=tmp_path, port=None)
    assert (settings.home, settings.port) == (tmp_path, 9100)


def test_no_deployment_directory_says_how_to_give_one() -> None:
    """Without --dir or MYNUMBER_HOME the error tells the operator both ways to name it."""
    with pytest.raises(ConfigurationError, match=r"pass --dir DIR or set MYNUMBER_HOME"):
        load_settings()


def test_a_bad_value_names_the_setting_and_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port that is not a number is refused, naming MYNUMBER_PORT."""
    monkeypatch.setenv("MYNUMBER_PORT", "eighty")
    with pytest.raises(ConfigurationError, match=r"invalid setting port \(MYNUMBER_PORT\)"):
        load_settings(home=tmp_path)


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    """TLS needs both the certificate and its key; one alone is a configuration error."""
    with pytest.raises(ConfigurationError, match="tls_cert_file and tls_key_file go together"):
        load_settings(home=tmp_path, tls_cert_file=tmp_path / "node.pem")


def test_settings_are_immutable(tmp_path: Path) -> None:
    """Settings handed to a node cannot be changed behind its back."""
    settings = load_settings(home=tmp_path)
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]
