"""The counter's words in Japanese and English: labels, messages, and what to fix on a form.

Each entry is ``key: (Japanese, English)``; ``{name}`` placeholders are filled by :func:`text`.
Japanese is the counter's default language. An unknown key raises ``KeyError``: a page that
asks for a word the table lacks fails its test instead of showing a key to a clerk.
"""

from collections.abc import Mapping
from typing import Final, Literal

#: The languages of the counter.
CounterLanguage = Literal["ja", "en"]
LANGUAGES: Final[tuple[CounterLanguage, ...]] = ("ja", "en")
DEFAULT_LANGUAGE: Final[CounterLanguage] = "ja"

_TEXTS: Final[Mapping[str, tuple[str, str]]] = {
    # The frame of every page.
    "app.title": ("住民記録窓口", "Resident register counter"),
    "nav.label": ("窓口メニュー", "Counter menu"),
    "nav.skip": ("本文へ移動", "Skip to the content"),
    "nav.find": ("住民を探す", "Find a resident"),
    "nav.register": ("住民を登録する", "Register a resident"),
    "nav.clerk": ("担当: {name}", "Clerk: {name}"),
    "nav.logout": ("ログアウト", "Log out"),
    "nav.switch": ("English", "日本語"),
    "nav.switch_label": ("Switch the counter to English", "窓口の表示を日本語にする"),
    "form.required": ("必須", "required"),
    "form.optional": ("任意", "optional"),
    "errors.summary": ("入力内容を確認してください", "Check the form"),
    # Starting and ending a clerk's session.
    "login.title": ("窓口業務の開始", "Start at the counter"),
    "login.intro": (
        "履歴に記録される担当者名を入力してください。",
        "Enter your name as the history will record it.",
    ),
    "login.name": ("担当者名", "Your name"),
    "login.submit": ("開始する", "Start"),
    "login.logged_out": ("ログアウトしました。", "You have logged out."),
    # Finding a resident.
    "find.title": ("住民を探す", "Find a resident"),
    "find.by_number": ("個人番号で探す", "By Individual Number"),
    "find.by_name": ("氏名と生年月日で探す", "By name and date of birth"),
    "find.submit": ("探す", "Find"),
    "find.results": ("検索結果: {count}件", "Results: {count}"),
    "find.none": ("該当する住民はいません。", "No resident matches."),
    "find.open": ("住民票を開く", "Open the record"),
    # Registering a resident.
    "register.title": ("住民を登録する", "Register a resident"),
    "register.person": ("本人", "The person"),
    "register.address": ("住所", "Address"),
    "register.foreign": ("外国人住民の場合", "For a foreign resident"),
    "register.submit": ("登録する", "Register"),
    # A resident's record.
    "resident.title": ("住民票", "Resident record"),
    "resident.attributes": ("記載事項", "Attributes"),
    "resident.reveal": ("番号を表示する", "Show the number"),
    "resident.hide": ("番号を隠す", "Hide the number"),
    "resident.revealed": (
        "番号を表示しています。用が済んだら隠してください。",
        "The number is shown. Hide it when you are done.",
    ),
    "resident.history": ("履歴", "History"),
    "resident.actions": ("異動を記録する", "Record an event"),
    "resident.off_register": (
        "この住民は{state}のため、異動は記録できません。",
        "This resident is {state}: no further event can be recorded.",
    ),
    "resident.protected": ("DV等支援措置の対象者", "Under DV support measures"),
    "resident.head": ("世帯主", "head"),
    "resident.member": ("世帯員", "member"),
    "resident.not_found": ("住民が見つかりません", "No such resident"),
    "history.occurred_on": ("異動日", "Date"),
    "history.kind": ("異動", "Event"),
    "history.details": ("内容", "Details"),
    "history.recorded_by": ("記録者", "Recorded by"),
    "history.reason": ("理由: {reason}", "Reason: {reason}"),
    "history.generation": ("第{before}世代 → 第{after}世代", "generation {before} → {after}"),
    # Recording an event.
    "event.submit": ("記録する", "Record"),
    "event.back": ("住民票に戻る", "Back to the record"),
    "event.final": (
        "記録すると、この住民は住民登録から外れます。取り消せません。",
        "Once recorded, the resident leaves the register. This cannot be undone.",
    ),
    "number_change.rule": (
        (
            "個人番号の変更は、番号が漏えいして不正に用いられるおそれがある場合に限られます"
            "（番号法第7条第2項）。旧番号はその後どの照会にも使えません。"
        ),
        (
            "A number is changed only after it leaked and misuse is feared (My Number Act, "
            "art. 7(2)). The old number finds no one afterwards."
        ),
    ),
    "number_change.submit": ("番号を変更する", "Change the number"),
    "on_request.true": ("本人の請求", "At the resident's request"),
    "on_request.false": ("市町村長の職権", "Ex officio, by the mayor"),
    "done.registered": ("住民を登録しました。", "The resident is registered."),
    "done.address-change": ("住所の変更を記録しました。", "The address change is recorded."),
    "done.name-change": ("氏名の変更を記録しました。", "The name change is recorded."),
    "done.move-out": ("転出を記録しました。", "The move-out is recorded."),
    "done.death": ("死亡を記録しました。", "The death is recorded."),
    "done.number-change": (
        "個人番号を変更しました。新しい番号を本人に通知してください。",
        "The number is changed. Notify the resident of the new number.",
    ),
    # A resident's notice of the number.
    "notice.title": ("個人番号通知書", "Notice of the number"),
    "notice.none": (
        (
            "この住民の個人番号通知書はまだ発行されていません"
            "（通知書は `mynumber notices open-batch` で発行します）。"
        ),
        (
            "No notice of the number has been issued to this resident yet "
            "(notices are issued with `mynumber notices open-batch`)."
        ),
    ),
    "notice.batch": ("発行回", "Batch"),
    "notice.deadline": ("居所情報の登録期限", "Deadline for an alternate address"),
    "notice.printed": ("印刷", "Printed"),
    "notice.not_printed": ("未印刷", "Not printed yet"),
    "notice.sent_to": ("送付先", "Sent to"),
    "notice.registered_address": ("住民票の住所", "The registered address"),
    "notice.alternate.title": ("居所情報の登録（通知書の送付先）", "Alternate notice address"),
    "notice.alternate.intro": (
        (
            "住民票の住所に住んでいない方（DV等の被害、災害による避難、長期入院・施設入所など）は、"
            "期限までに、通知書を送る居所を登録できます。"
        ),
        (
            "A resident who does not live at the registered address (fleeing violence, evacuated, "
            "in hospital or care) may, until the deadline, have the notice sent where they live."
        ),
    ),
    "notice.alternate.closed": (
        (
            "居所情報の登録期限（{deadline}）を過ぎたため、登録できません。"
            "通知書は住民票の住所に送られます。"
        ),
        (
            "The deadline for alternate addresses ({deadline}) has passed: the notice goes to the "
            "registered address."
        ),
    ),
    "notice.alternate.printed": (
        "通知書は印刷済みのため、送付先を変更できません。",
        "The notice is printed: it can no longer be sent elsewhere.",
    ),
    "notice.alternate.submit": ("居所を登録する", "File the alternate address"),
    "notice.print.title": ("通知書の印刷", "Print the notice"),
    "notice.print.intro": (
        "この住民の通知書が入る世帯の封筒をPDFで印刷します。印刷すると送付先は変更できません。",
        (
            "Prints, as a PDF, the household's envelope that holds this resident's notice. Once "
            "printed, the notice can no longer be sent elsewhere."
        ),
    ),
    "notice.print.submit": ("通知書を印刷する（PDF）", "Print the notice (PDF)"),
    "done.alternate-address": (
        "居所情報を登録しました。通知書はその住所に送られます。",
        "The alternate address is filed: the notice goes there.",
    ),
    "reason.domestic-violence": ("DV等の被害", "Domestic violence, stalking or abuse"),
    "reason.disaster": ("災害による避難", "Evacuated from a disaster"),
    "reason.hospital-or-care": ("長期入院・施設入所", "A long stay in hospital or care"),
    "reason.other": ("その他", "Other"),
    "field.reason_kind": ("居所に住んでいる理由", "Why the resident lives elsewhere"),
    "field.reason_text": ("理由の詳細", "The reason in words"),
    "hint.reason_text": ("「その他」の場合は必須", "Needed for “other”"),
    "error.other_reason": (
        "理由が「その他」の場合は、理由の詳細を記入してください。",
        "The reason is “other”: say in words why the resident lives elsewhere.",
    ),
    "error.NoticeError": ("通知書を作成できません: {detail}", "{detail}"),
    # Fields.
    "field.event": ("届出の種類", "How they arrive"),
    "field.date": ("異動日", "Date of the event"),
    "field.family_name": ("氏", "Family name"),
    "field.given_name": ("名", "Given name"),
    "field.family_name_kana": ("氏（フリガナ）", "Family name in kana"),
    "field.given_name_kana": ("名（フリガナ）", "Given name in kana"),
    "field.date_of_birth": ("生年月日", "Date of birth"),
    "field.sex": ("性別", "Sex"),
    "field.municipality_code": ("市区町村コード", "Municipality code"),
    "field.postal_code": ("郵便番号", "Postal code"),
    "field.address": ("住所", "Address"),
    "field.nationality": ("国籍", "Nationality"),
    "field.latin_name": ("ローマ字氏名", "Name in Latin script"),
    "field.former_surname": ("旧氏", "Former surname"),
    "field.alias": ("通称", "Registered alias"),
    "field.resident_status": ("在留資格", "Status of residence"),
    "field.period_of_stay_until": ("在留期間の満了日", "End of the period of stay"),
    "field.household_head": ("世帯主である", "Head of the household"),
    "field.household": ("世帯", "Household"),
    "field.preferred_language": ("通知の言語", "Language of notices"),
    "field.reason": ("変更の理由", "Reason for the change"),
    "field.on_request": ("変更の発意", "Who asks for the change"),
    "field.number": ("個人番号", "Individual Number"),
    "field.name": ("氏名またはフリガナ", "Name or its kana reading"),
    "field.resident_record_code": ("住民票コード", "Resident record code"),
    "field.state": ("状態", "State"),
    "field.login_name": ("担当者名", "Your name"),
    "hint.date": ("例: 2026-01-31、令和8年1月31日", "e.g. 2026-01-31"),
    "hint.kana": ("カタカナで", "in katakana"),
    "hint.postal_code": ("7桁。例: 100-0001", "Seven digits, e.g. 100-0001"),
    "hint.municipality_code": ("6桁。例: 131016（千代田区）", "Six digits, e.g. 131016 (Chiyoda)"),
    "hint.nationality": ("2文字の国コード。日本は JP", "Two-letter country code; JP for Japan"),
    "hint.number": ("12桁", "Twelve digits"),
    "hint.reason": (
        "どのように漏えいし、どのような不正利用のおそれがあるか",
        "How the number leaked and what misuse is feared",
    ),
    # Values.
    "event.birth": ("出生", "Birth"),
    "event.move-in": ("転入", "Move-in"),
    "event.move-in-from-abroad": ("国外からの転入", "Move-in from abroad"),
    "event.address-change": ("住所の変更（転居）", "Address change"),
    "event.name-change": ("氏名の変更", "Name change"),
    "event.move-out": ("転出", "Move-out"),
    "event.death": ("死亡", "Death"),
    "event.number-change": ("個人番号の変更", "Number change"),
    "state.resident": ("住民", "on the register"),
    "state.moved-out": ("転出済み", "moved out"),
    "state.deceased": ("死亡", "deceased"),
    "sex.male": ("男", "Male"),
    "sex.female": ("女", "Female"),
    # What to fix: {label} is the field's label, {detail} the register's own words.
    "error.blank": ("「{label}」を入力してください。", "Fill in “{label}”."),
    "error.date": (
        "「{label}」は実在する日付で入力してください（例: 1985-01-02、昭和60年1月2日）。",
        "{label}: {detail}",
    ),
    "error.future_date": (
        "「{label}」が未来の日付です。既に起きた日を入力してください。",
        "{label} is in the future: give a day that has passed.",
    ),
    "error.before_birth": (
        "生年月日が異動日より後になっています。両方の日付を確認してください。",
        "The date of birth is after the date of the event: check both dates.",
    ),
    "error.municipality": (
        "「{label}」が正しくないか、見つかりません。6桁のコードを入力してください（例: 131016）。",
        "{label}: {detail}",
    ),
    "error.postal_code_format": (
        "「{label}」は7桁の数字で入力してください（例: 100-0001）。",
        "A postal code has seven digits, e.g. 100-0001.",
    ),
    "error.postal_code_elsewhere": (
        "この郵便番号はその市区町村のものではありません。郵便番号か市区町村コードを確認してください。",
        "{detail}",
    ),
    "error.foreign_status": (
        "外国人住民には在留資格か在留期間の満了日が必要です。",
        "A foreign resident needs a status of residence or an end of the period of stay.",
    ),
    "error.number": (
        "個人番号が正しくありません。12桁の番号を確認してください。",
        "{detail}",
    ),
    "error.choice": ("「{label}」を選んでください。", "Choose “{label}”."),
    "error.too_long": ("「{label}」が長すぎます。", "“{label}” is too long."),
    "error.invalid": ("「{label}」の入力内容を確認してください。", "{label}: {detail}"),
    "error.login": (
        "担当者名を入力してください（100文字まで）。",
        "Enter your name (at most 100 characters).",
    ),
    "error.DuplicateResident": (
        (
            "同じ氏名・生年月日・性別・住所の住民がすでに登録されています。"
            "二重に登録せず、その住民の異動を記録してください。"
        ),
        "{detail}",
    ),
    "error.NotOnRegister": (
        "この住民は転出または死亡により住民登録がありません。異動は記録できません。",
        "{detail}",
    ),
    "error.NumberChangeRefused": (
        "個人番号を変更できません。一人に発行できる番号は10個までです。",
        "{detail}",
    ),
    "error.ResidentNotFound": (
        "この番号の住民はいません。番号を確認するか、本人に現在の番号を確認してください。",
        "{detail}",
    ),
    "error.InvalidNumber": (
        "個人番号が正しくありません。12桁の番号を確認してください。",
        "{detail}",
    ),
    "error.RegisterError": ("登録簿が受け付けませんでした: {detail}", "{detail}"),
}


def text(key: str, language: CounterLanguage, /, **values: object) -> str:
    """Return the words of ``key`` in ``language``, with ``values`` filled in."""
    japanese, english = _TEXTS[key]
    template = japanese if language == "ja" else english
    return template.format(**values) if values else template


def has_text(key: str) -> bool:
    """Say whether the table has words for ``key``."""
    return key in _TEXTS


def other_language(language: CounterLanguage) -> CounterLanguage:
    """Return the language the switch on every page leads to."""
    return "en" if language == "ja" else "ja"
