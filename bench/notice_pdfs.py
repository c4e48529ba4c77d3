"""Figure 5: notices of the number (個人番号通知書), household PDFs per second on one core.

Ours: ``render_household_notice`` on two-member households of the synthetic town, both members
reading Japanese: a cover and one notice page with its card application form and QR code per
member, three A4 pages. The issue sets no target and there is no other renderer of these notices
to compare with; for context the rows set beside it the floor of the library ours draws with: a
reportlab canvas with the same three pages, each holding one line in the same Japanese CID font.
"""

import io
import re
from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

import inputs
from figures import Figure, Row, Sizes
from mynumber.notices import Address, HouseholdMember, HouseholdNotice, render_household_notice
from mynumber.notices.fonts import MINCHO, load_fonts
from mynumber.numbers.generator import NumberGenerator
from mynumber.register import municipalities, synth
from mynumber.register.records import Language
from timing import Case, Measurement, human_rate, interleave

MUNICIPALITY = "131016"
#: A cover and one Japanese page per member.
PAGES = 3
#: Two-member households: 125 million residents make this many PDFs.
COUNTRY_PDFS = 125_000_000 // 2
_PAGE = re.compile(rb"/Type /Page\b(?!s)")


def notices(sizes: Sizes, repeats: int) -> Figure:
    """Figure 5: render two-member household notices, beside a trivial three-page reportlab PDF."""
    batch = _households(sizes.notices)
    load_fonts()
    for notice in batch[:5]:
        _check(
            render_household_notice(notice),
            f"the notice of {notice.members[0].full_name}'s household",
        )
    _check(_floor_pdf(batch[0]), "the reportlab floor")
    timed = interleave(
        "[5] notices",
        [
            Case("render_household_notice", len(batch), _each(batch, render_household_notice)),
            Case("reportlab floor", len(batch), _each(batch, _floor_pdf)),
        ],
        repeats,
    )
    ours, floor = timed["render_household_notice"], timed["reportlab floor"]
    return Figure(
        title="5. Notices of the number (PDF)",
        notes=_notes(sizes),
        rows=_rows(ours, floor),
        measurements=tuple(
            Measurement(f"notices: {m.name}", m.items, m.seconds) for m in timed.values()
        ),
    )


def _rows(ours: Measurement, floor: Measurement) -> tuple[Row, ...]:
    """Return the rate row and the projection row of figure 5."""
    ratio = ours.per_item / floor.per_item
    return (
        Row(
            what=f"household PDFs per second, one core (2 members, {PAGES} pages)",
            ours=human_rate(ours.rate),
            baseline=human_rate(floor.rate),
            ratio=ratio,
            target="none (reported)",
            slower=True,
        ),
        Row(
            what=f"{COUNTRY_PDFS:,} such PDFs (125 million residents), one core (projected)",
            ours=f"{ours.per_item * COUNTRY_PDFS / 3600:,.0f} h",
            baseline=f"{floor.per_item * COUNTRY_PDFS / 3600:,.0f} h",
            ratio=ratio,
            target="none (projection)",
            slower=True,
        ),
    )


def _notes(sizes: Sizes) -> tuple[str, ...]:
    """Return the notes that say how figure 5 was measured."""
    return (
        (
            f"Ours: `render_household_notice` on {sizes.notices:,} two-member households of "
            '`synth.households(..., "131016", seed=...)` whose members both read Japanese, '
            "with valid numbers and 23-digit application IDs: the envelope cover, then per "
            "member the notice and the card application form with its QR code; A4, reportlab's "
            "built-in CID fonts, nothing embedded. Each round renders every household once, "
            "the bytes kept in memory (no disk)."
        ),
        (
            "Context, not a target (none is set): a reportlab `Canvas` of three A4 pages, "
            "each with one line (the name and the number) in HeiseiMin-W3 -- what any PDF of "
            "these pages costs before anything is laid out."
        ),
        (
            "Projection: 62,500,000 PDFs (125 million residents in two-member households) x the "
            "best round's time per PDF, on one core; rendering is pure, so it divides across "
            "cores and machines. Households with a member who reads another language get a "
            "translated page more."
        ),
    )


def _households(count: int) -> list[HouseholdNotice]:
    """Return ``count`` notices of two-member, Japanese-reading synthetic households."""
    rng = inputs.generator()
    numbers = NumberGenerator(rng.bytes(32)).numbers_for(inputs.resident_codes(rng, 2 * count))
    name = municipalities.municipality_name(MUNICIPALITY)
    found: list[HouseholdNotice] = []
    for household in synth.households(20 * count, MUNICIPALITY, seed=inputs.SEED):
        records = household.records
        if len(records) != 2 or any(r.preferred_language is not Language.JAPANESE for r in records):
            continue
        members = tuple(
            HouseholdMember(
                family_name=record.family_name,
                given_name=record.given_name,
                family_name_kana=record.family_name_kana,
                given_name_kana=record.given_name_kana,
                number=f"{int(numbers[2 * len(found) + i]):012d}",
                date_of_birth=record.date_of_birth,
                sex=record.sex,
                application_id=f"{rng.integers(10**18):018d}{2 * len(found) + i:05d}",
            )
            for i, record in enumerate(records)
        )
        head = records[0]
        registered = Address(head.postal_code, head.address)
        found.append(HouseholdNotice(name, synth.AS_OF, registered, members))
        if len(found) == count:
            return found
    msg = f"the synthetic town has fewer than {count:,} two-member households; make it larger"
    raise SystemExit(msg)


def _floor_pdf(notice: HouseholdNotice) -> bytes:
    """Return a trivial PDF of the same pages: one line per page in the same CID font."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    lines = [notice.registered_address.address]
    lines += [f"{member.full_name} {member.grouped_number}" for member in notice.members]
    for line in lines:
        canvas.setFont(MINCHO, 12)
        canvas.drawString(72, 720, line)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _each(
    batch: list[HouseholdNotice], render: Callable[[HouseholdNotice], bytes]
) -> Callable[[], object]:
    """Return a call that renders every notice of ``batch`` once."""
    return lambda: [render(notice) for notice in batch]


def _check(pdf: bytes, what: str) -> None:
    """Stop the run unless ``pdf`` is a PDF of the expected pages."""
    pages = len(_PAGE.findall(pdf))
    if not pdf.startswith(b"%PDF-") or pages != PAGES:
        msg = f"{what} is not a {PAGES}-page PDF ({pages} pages); fix that before timing"
        raise SystemExit(msg)
