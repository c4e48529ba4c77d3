"""Notices of the number (個人番号通知書, 番号法 第7条第1項): one PDF per household.

``render_household_notice(HouseholdNotice(...))`` returns the bytes of an A4 PDF: a cover for the
envelope window, then for each member the Japanese notice with the card application form (its
application ID printed and as a QR code), and a page in the member's preferred language where that
is not Japanese. The package is pure: no database, no clock; the caller gathers the household.
"""

from mynumber.notices.exceptions import InvalidNotice, NoticeError, NoticeFontUnavailable
from mynumber.notices.fonts import FontSet, load_fonts
from mynumber.notices.models import APPLICATION_ID_LENGTH, Address, HouseholdMember, HouseholdNotice
from mynumber.notices.render import render_household_notice

__all__ = [
    "APPLICATION_ID_LENGTH",
    "Address",
    "FontSet",
    "HouseholdMember",
    "HouseholdNotice",
    "InvalidNotice",
    "NoticeError",
    "NoticeFontUnavailable",
    "load_fonts",
    "render_household_notice",
]
