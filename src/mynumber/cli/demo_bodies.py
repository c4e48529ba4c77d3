"""The demo's institutions: the bodies of ``network/profiles.toml`` registered on the hub.

On the demo's first run each profile (a city hall, a tax office, a pension office, Hello Work, a
health insurer, an employer, a bank, a police agency, a video rental shop) is registered with one
staff member, and each body's API key is written to ``HOME/bodies/<body id>.key`` (mode 0600): the
hub keeps only their hashes. Later runs leave them alone.
"""

from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from mynumber.cli.bodies import hub_session_of
from mynumber.network.models import Body
from mynumber.network.profiles import load_profiles
from mynumber.network.services import BodyRegistry
from mynumber.private_files import write_private
from mynumber.settings import Settings

#: Who registers the demo's bodies, as the hub records it.
DEMO_OPERATOR: Final = "demo operator"
#: The one staff member each demo body has.
DEMO_STAFF: Final = "demo-staff"


def ensure_demo_bodies(settings: Settings) -> list[Path]:
    """Register the demo's bodies unless the hub has some; return the API key files."""
    folder, staging = settings.home / "bodies", settings.home / "bodies.part"
    if not folder.exists():
        with hub_session_of(settings) as session:
            if session.scalar(select(Body.id).limit(1)) is None:
                _register(session, staging)
        # Renamed only once the bodies are committed: a run killed before leaves no folder.
        if staging.exists():
            staging.rename(folder)
    return sorted(folder.glob("*.key")) if folder.exists() else []


def _register(session: Session, staging: Path) -> None:
    """Register every profile with its staff member; write each API key into ``staging``."""
    staging.mkdir(mode=0o700, exist_ok=True)
    for leftover in staging.iterdir():
        leftover.unlink()
    registry = BodyRegistry(session)
    for application in load_profiles():
        body, key = registry.register_body(application, registered_by=DEMO_OPERATOR)
        registry.add_staff(body.id, DEMO_STAFF, "デモ 担当", "clerk", added_by=DEMO_OPERATOR)
        write_private(staging / f"{body.id}.key", f"{key}\n".encode(), overwrite=True)
