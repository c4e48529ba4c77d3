"""The Japanese page of each member: the notice of the number above, the application form below.

The upper half is the notice (個人番号通知書, 番号法 第7条第1項; form as in 個人番号の通知等に関する
省令): name and reading, the number in three groups of four, address, date of birth in the era
and the Western calendar, the issuing mayor and the date, and the statement that the notice proves
nothing. Below the cut line is the card application form (個人番号カード交付申請書,
番号法 第16条の2) with its application ID (申請書ID) printed and as a QR code whose payload
is exactly that ID.

The registered address is printed only when the household withholds none (DV等支援措置): otherwise
the notice and the form both print 「（記載を省略しています）」 and nothing else of it.
"""

from reportlab.lib.units import mm

from mynumber.notices.layout import MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Pen, Style
from mynumber.notices.models import HouseholdMember, HouseholdNotice
from mynumber.notices.texts import FORM, JAPANESE
from mynumber.register.records import Language

#: Where the values start, right of the labels.
VALUE_X = MARGIN + 24 * mm
#: The height of the cut line between the notice and the form.
CUT_Y = PAGE_HEIGHT / 2 - 20
QR_SIZE = 32 * mm


def registered_address(notice: HouseholdNotice) -> str:
    """Return the registered address as the notice prints it, or the words that withhold it."""
    if notice.withholds_address:
        return JAPANESE.withheld
    address = notice.registered_address
    care_of = f"　{address.care_of}" if address.care_of else ""
    return f"{address.postal_code_display}　{address.address}{care_of}"


def issuer(notice: HouseholdNotice) -> str:
    """Return the issuer as printed: the mayor of the municipality (横浜市長)."""
    return f"{notice.municipality_name}長"


def draw_japanese_page(pen: Pen, notice: HouseholdNotice, member: HouseholdMember) -> None:
    """Draw the notice and the card application form of ``member`` on the current page."""
    _draw_notice(pen, notice, member)
    _draw_cut_line(pen)
    _draw_form(pen, notice, member)


def _styles(pen: Pen) -> dict[str, Style]:
    """Return the styles of the Japanese page by role."""
    serif = pen.fonts.chain(Language.JAPANESE)
    sans = pen.fonts.chain(Language.JAPANESE, bold=True)
    return {
        "title": Style(sans, 20),
        "heading": Style(sans, 14),
        "label": Style(sans, 9),
        "small": Style(serif, 8.5),
        "body": Style(serif, 10.5),
        "name": Style(serif, 15),
        "number": Style(sans, 20),
    }


def _draw_notice(pen: Pen, notice: HouseholdNotice, member: HouseholdMember) -> None:
    """Draw the upper half: the notice of the number."""
    style = _styles(pen)
    text = JAPANESE
    pen.text(PAGE_WIDTH / 2, PAGE_HEIGHT - 60, text.title, style["title"], align="centre")
    y = pen.paragraph(MARGIN, PAGE_HEIGHT - 88, text.intro, style["small"], PAGE_WIDTH - 2 * MARGIN)
    y -= 8
    label = style["label"]
    y = pen.row(y, (FORM.kana, label), (member.full_kana, style["small"]), VALUE_X)
    y = pen.row(y - 4, (text.name, label), (member.full_name, style["name"]), VALUE_X)
    if member.latin_name:
        y = pen.row(y, ("", label), (member.latin_name, style["body"]), VALUE_X)
    y = pen.row(y - 8, (text.number, label), (member.grouped_number, style["number"]), VALUE_X)
    birth = text.write_date(member.date_of_birth)
    y = pen.row(y - 4, (text.date_of_birth, label), (birth, style["body"]), VALUE_X)
    y = pen.row(y, (text.address, label), (registered_address(notice), style["body"]), VALUE_X)
    issued = text.write_date(notice.issue_date)
    y = pen.row(y, (text.issue_date, label), (issued, style["body"]), VALUE_X)
    y = pen.row(y, (text.issued_by, label), (issuer(notice), style["body"]), VALUE_X)
    y = pen.boxed(y - 4, (text.important, label), (text.not_proof, style["small"]))
    pen.paragraph(MARGIN, y, text.card, style["small"], PAGE_WIDTH - 2 * MARGIN)


def _draw_cut_line(pen: Pen) -> None:
    """Draw the dashed line the form is cut off along, with its label."""
    canvas = pen.canvas
    canvas.saveState()
    canvas.setDash(4, 3)
    canvas.line(MARGIN / 2, CUT_Y, PAGE_WIDTH - MARGIN / 2, CUT_Y)
    canvas.restoreState()
    label = Style(pen.fonts.chain(Language.JAPANESE), 7)
    pen.text(PAGE_WIDTH / 2, CUT_Y + 3, FORM.cut_line, label, align="centre")


def _draw_form(pen: Pen, notice: HouseholdNotice, member: HouseholdMember) -> None:
    """Draw the lower half: the card application form with its application ID and QR code."""
    style = _styles(pen)
    label = style["label"]
    top = CUT_Y - 34
    pen.text(MARGIN, top, FORM.title, style["heading"])
    application_id = (member.application_id, Style(style["number"].chain, 12))
    y = pen.row(top - 26, (JAPANESE.application_id, label), application_id, VALUE_X)
    qr_x = PAGE_WIDTH - MARGIN - QR_SIZE
    pen.qr_code(member.application_id, x=qr_x, y=top - QR_SIZE + 10, size=QR_SIZE)
    column = qr_x - 10
    rows = (
        (FORM.kana, member.full_kana, style["small"]),
        (JAPANESE.name, member.full_name, style["name"]),
        (JAPANESE.date_of_birth, JAPANESE.write_date(member.date_of_birth), style["body"]),
        (FORM.sex, FORM.sex_name(member.sex), style["body"]),
    )
    for name, value, value_style in rows:
        y = _form_row(pen, y, (name, label), (value, value_style), column)
    y = pen.row(y, (JAPANESE.address, label), (registered_address(notice), style["body"]), VALUE_X)
    _draw_boxes(pen, y - 6, style)


def _form_row(
    pen: Pen, y: float, label: tuple[str, Style], value: tuple[str, Style], end: float
) -> float:
    """Draw a form row whose value ends left of ``end`` (the QR code); return the next baseline."""
    pen.text(MARGIN, y, *label)
    return min(pen.paragraph(VALUE_X, y, *value, end - VALUE_X), y - label[1].leading)


def _draw_boxes(pen: Pen, top: float, style: dict[str, Style]) -> None:
    """Draw the photo box, the signature box, the date line and how to send the form."""
    canvas = pen.canvas
    photo_width, photo_height = 35 * mm, 45 * mm
    canvas.rect(MARGIN, top - photo_height, photo_width, photo_height)
    photo_label = Style(style["small"].chain, 7)
    pen.text(MARGIN + photo_width / 2, top - photo_height / 2, FORM.photo, photo_label, "centre")
    left = MARGIN + photo_width + 8 * mm
    width = PAGE_WIDTH - MARGIN - left
    canvas.rect(left, top - 22 * mm, width, 22 * mm)
    pen.text(left + 4, top - 12, FORM.signature, style["label"])
    pen.text(left, top - 22 * mm - 16, FORM.applied_on, style["body"])
    pen.paragraph(left, top - 22 * mm - 36, FORM.how_to, style["small"], width)
