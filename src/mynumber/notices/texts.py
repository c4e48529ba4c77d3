"""The wording of the notice of the number (個人番号通知書) and of the card application form.

The notice tells the person their number (番号法 第7条第1項) and says plainly what it is not: since
May 2020 the notice replaced the notification card (通知カード) and, unlike the card it replaced, it
proves nothing. It is not identification and not proof of the number; the Individual Number Card
(番号法 第16条: a number and identity check with the card alone) or a copy of the resident record
that shows the number does that. The card application form (個人番号カード交付申請書) travels with
it, carrying its application ID (申請書ID) as text and as a QR code for the online application.

``JAPANESE`` is the wording of the notice itself; the translations of the page added for a
resident whose preferred language is not Japanese are in :mod:`mynumber.notices.translations`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from mynumber.register.eras import japanese_date
from mynumber.register.records import Language, Sex


@dataclass(frozen=True)
class NoticeText:
    """The wording of a notice page in one language: headings, labels and the plain statements."""

    language: Language
    #: The page's heading: the name of the notice in the language.
    title: str
    #: What the notice is and the rule it is sent under.
    intro: str
    name: str
    number: str
    address: str
    date_of_birth: str
    issued_by: str
    issue_date: str
    application_id: str
    #: Printed instead of a registered address withheld under DV support measures.
    withheld: str
    #: The heading of the statement that the notice proves nothing.
    important: str
    #: Not identification, not proof of the number; what proves the number instead.
    not_proof: str
    #: How to apply for the card with the form (on the Japanese page).
    card: str
    #: That the page is a translation and the Japanese page is the notice; empty for Japanese.
    translation_note: str
    #: Writes a date the way the language does.
    write_date: Callable[[date], str]


def _japanese_and_western(day: date) -> str:
    """Return 昭和60年4月1日（1985年4月1日）: the era date first, the Western date after it."""
    return f"{japanese_date(day)}（{day.year}年{day.month}月{day.day}日）"


JAPANESE = NoticeText(
    language=Language.JAPANESE,
    title="個人番号通知書",
    intro=(
        "この通知書は、行政手続における特定の個人を識別するための番号の利用等に関する法律"
        "（番号法）第7条第1項の規定により、あなたの個人番号（マイナンバー）をお知らせするものです。"
    ),
    name="氏名",
    number="個人番号",
    address="住所",
    date_of_birth="生年月日",
    issued_by="発行者",
    issue_date="発行日",
    application_id="申請書ID",
    withheld="（記載を省略しています）",
    important="ご注意ください",
    not_proof=(
        "この通知書は、身分証明書ではありません。個人番号を証明する書類でもありません。"
        "この通知書で本人確認や個人番号の証明をすることはできません。個人番号の証明には、"
        "個人番号カード、または個人番号が記載された住民票の写し（住民票記載事項証明書）を"
        "ご利用ください。"
    ),
    card=(
        "個人番号カードの申請は任意です。下の交付申請書に顔写真を貼り、署名して郵送してください。"
        "スマートフォンでQRコードを読み取り、オンラインで申請することもできます。"
    ),
    translation_note="",
    write_date=_japanese_and_western,
)


@dataclass(frozen=True)
class FormText:
    """The wording of the card application form (個人番号カード交付申請書) and of the cover."""

    title: str = "個人番号カード交付申請書"
    kana: str = "フリガナ"
    sex: str = "性別"
    photo: str = "顔写真（縦4.5cm×横3.5cm）"
    signature: str = "申請者署名"
    applied_on: str = "申請日　　　　年　　　月　　　日"
    cut_line: str = "きりとり線"
    how_to: str = (
        "顔写真を貼り、署名して、同封の返信用封筒で郵送してください。右のQRコードを"
        "スマートフォンで読み取ると、オンラインで申請できます。"
    )
    enclosed: str = "個人番号通知書在中"
    honorific: str = "様"
    sender: str = "差出人"
    contents: str = "同封物：個人番号通知書・個人番号カード交付申請書（{count}名分）"
    not_forwarded: str = "転送不要"
    return_note: str = "あて所に該当者がいない場合は、開封せずに差出人へ返送してください。"

    def sex_name(self, sex: Sex) -> str:
        """Return the sex as the form prints it: 男 or 女."""
        return {Sex.MALE: "男", Sex.FEMALE: "女"}[sex]


FORM = FormText()
