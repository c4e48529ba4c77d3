"""Run one synthetic batch into a registry database; the resume test kills and restarts this.

Usage: python batch_worker.py DATABASE_URL RESIDENTS FIELD_KEY_HEX INDEX_KEY_HEX AUTHORITY_KEY_HEX
"""

import sys
from datetime import date

from mynumber.numbers.generator import NumberGenerator
from mynumber.register.batch import Batch, BatchIssuer
from mynumber.register.models import EventKind
from mynumber.register.municipalities import PostalMunicipalities
from mynumber.register.synth import synthesize
from mynumber.storage import FieldKeys, create_engine, session_factory

BATCH = Batch("resume-test", EventKind.BIRTH, date(2026, 11, 26), recorded_by="resume test")


def main(url: str, residents: str, field: str, index: str, authority: str) -> None:
    """Issue the batch to the end, resuming wherever an earlier run stopped."""
    engine = create_engine(url, FieldKeys(bytes.fromhex(field), bytes.fromhex(index)))
    issuer = BatchIssuer(
        session_factory(engine), NumberGenerator(bytes.fromhex(authority)), PostalMunicipalities()
    )
    issuer.issue(BATCH, synthesize(int(residents), "131016", seed=7))
    engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])
