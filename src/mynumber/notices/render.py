"""One PDF per household: the notices of the number (個人番号通知書) of all its members.

番号法 第7条第1項: the mayor notifies each person of the number set for them. The notices of a
household travel in one envelope, so one PDF holds, in order:

1. the cover (送付書): the address block that shows through the envelope window -- the address
   the mail goes to (the alternate notice address when there is one) and the members' names --
   the contents, and the municipality as sender;
2. for each member, the Japanese page: the notice and the card application form
   (:mod:`mynumber.notices.japanese`);
3. right after it, for a member whose preferred language is not Japanese, the same in that
   language (:mod:`mynumber.notices.translations`).

A registered address withheld under DV support measures (DV等支援措置) is printed on no page.
Rendering is pure: the same notice gives the same bytes (no clock, no random document ID).
"""

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from mynumber.notices.fonts import FontSet, load_fonts
from mynumber.notices.japanese import draw_japanese_page, issuer, registered_address
from mynumber.notices.layout import MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Pen, Style
from mynumber.notices.models import HouseholdMember, HouseholdNotice
from mynumber.notices.texts import FORM, JAPANESE
from mynumber.notices.translations import TRANSLATIONS
from mynumber.register.records import Language

#: The width of the address block, inside the window of a 長形3号 envelope.
WINDOW_WIDTH = 90 * mm


def render_household_notice(notice: HouseholdNotice, fonts: FontSet | None = None) -> bytes:
    """Return the PDF (A4) of the notices of every member of ``notice``'s household.

    ``fonts`` defaults to :func:`~mynumber.notices.fonts.load_fonts`, registered once per process.
    Raises :class:`~mynumber.notices.exceptions.NoticeFontUnavailable` before drawing anything
    when a member's language needs a font that is not installed.
    """
    fonts = fonts or load_fonts()
    for member in notice.members:
        fonts.chain(member.preferred_language)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(JAPANESE.title)
    canvas.setAuthor(issuer(notice))
    canvas.setCreator("mynumber")
    pen = Pen(canvas, fonts)
    _draw_cover(pen, notice)
    canvas.showPage()
    for member in notice.members:
        draw_japanese_page(pen, notice, member)
        canvas.showPage()
        if member.preferred_language is not Language.JAPANESE:
            _draw_translation(pen, notice, member)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_cover(pen: Pen, notice: HouseholdNotice) -> None:
    """Draw the cover: the window address block, the contents and the sender."""
    serif = pen.fonts.chain(Language.JAPANESE)
    sans = pen.fonts.chain(Language.JAPANESE, bold=True)
    address = notice.send_to
    x, y = MARGIN + 5 * mm, PAGE_HEIGHT - 30 * mm
    pen.text(x, y, address.postal_code_display, Style(sans, 12))
    y = pen.paragraph(x, y - 20, address.address, Style(serif, 12), WINDOW_WIDTH)
    if address.care_of:
        y = pen.paragraph(x, y, address.care_of, Style(serif, 12), WINDOW_WIDTH)
    for member in notice.members:
        y -= 6
        pen.text(x + 8 * mm, y, f"{member.full_name}　{FORM.honorific}", Style(sans, 13))
        y -= 14
    right = PAGE_WIDTH - MARGIN
    pen.canvas.rect(right - 55 * mm, PAGE_HEIGHT - 42 * mm, 55 * mm, 22 * mm)
    stamp_x = right - 27.5 * mm
    pen.text(stamp_x, PAGE_HEIGHT - 29 * mm, FORM.enclosed, Style(sans, 13), "centre")
    pen.text(stamp_x, PAGE_HEIGHT - 37 * mm, FORM.not_forwarded, Style(sans, 10), "centre")
    body = Style(serif, 11)
    y = min(PAGE_HEIGHT / 2, y - 24)  # a large household's names push the contents down
    pen.text(MARGIN, y, FORM.contents.format(count=len(notice.members)), body)
    pen.text(
        MARGIN, y - 20, f"{JAPANESE.issue_date}　{JAPANESE.write_date(notice.issue_date)}", body
    )
    pen.text(MARGIN, 40 * mm, f"{FORM.sender}　{issuer(notice)}", Style(sans, 12))
    pen.paragraph(MARGIN, 32 * mm, FORM.return_note, Style(serif, 9), PAGE_WIDTH - 2 * MARGIN)


def _draw_translation(pen: Pen, notice: HouseholdNotice, member: HouseholdMember) -> None:
    """Draw the page in ``member``'s preferred language that says what the notice says."""
    language = member.preferred_language
    text = TRANSLATIONS[language]
    own, bold = pen.fonts.chain(language), pen.fonts.chain(language, bold=True)
    register = pen.fonts.register_chain(language)
    label, body, data = Style(bold, 9), Style(own, 10.5), Style(register, 10.5)
    width = PAGE_WIDTH - 2 * MARGIN
    pen.text(MARGIN, PAGE_HEIGHT - 60, text.title, Style(bold, 17))
    y = pen.paragraph(MARGIN, PAGE_HEIGHT - 90, text.intro, body, width) - 8
    x = MARGIN + 42 * mm
    y = pen.row(y, (text.name, label), (member.full_name, Style(register, 14)), x)
    if member.latin_name:
        y = pen.row(y, ("", label), (member.latin_name, data), x)
    y = pen.row(y - 6, (text.number, label), (member.grouped_number, Style(bold, 18)), x)
    y = pen.row(
        y - 4, (text.date_of_birth, label), (text.write_date(member.date_of_birth), body), x
    )
    if notice.withholds_address:
        y = pen.row(y, (text.address, label), (text.withheld, body), x)
    else:
        y = pen.row(y, (text.address, label), (registered_address(notice), data), x)
    y = pen.row(y, (text.issued_by, label), (issuer(notice), data), x)
    y = pen.row(y, (text.issue_date, label), (text.write_date(notice.issue_date), body), x)
    y = pen.row(y, (text.application_id, label), (member.application_id, body), x)
    y = pen.boxed(y - 6, (text.important, Style(bold, 11)), (text.not_proof, body))
    pen.paragraph(MARGIN, y, text.card, body, width)
    pen.paragraph(MARGIN, 25 * mm, text.translation_note, Style(own, 9), width)
