"""The page added to a notice for a resident whose preferred language is not Japanese.

It says in plain words what the Japanese notice says (番号法 第7条第1項: the notice of the number):
the number, that the notice is not identification and not proof of the number, what proves it,
and how to apply for the card. The Japanese page stays the notice; this page says so. Chinese is
written in simplified characters, Portuguese as in Brazil: the largest communities in Japan.
"""

from datetime import date

from mynumber.notices.texts import NoticeText
from mynumber.register.records import Language

_ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_PORTUGUESE_MONTHS = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
_TAGALOG_MONTHS = (
    "Enero",
    "Pebrero",
    "Marso",
    "Abril",
    "Mayo",
    "Hunyo",
    "Hulyo",
    "Agosto",
    "Setyembre",
    "Oktubre",
    "Nobyembre",
    "Disyembre",
)


def _english_date(day: date) -> str:
    """Return 1 April 1985."""
    return f"{day.day} {_ENGLISH_MONTHS[day.month - 1]} {day.year}"


def _chinese_date(day: date) -> str:
    """Return 1985年4月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _korean_date(day: date) -> str:
    """Return 1985년 4월 1일."""
    return f"{day.year}년 {day.month}월 {day.day}일"


def _vietnamese_date(day: date) -> str:
    """Return ngày 1 tháng 4 năm 1985."""
    return f"ngày {day.day} tháng {day.month} năm {day.year}"


def _portuguese_date(day: date) -> str:
    """Return 1 de abril de 1985."""
    return f"{day.day} de {_PORTUGUESE_MONTHS[day.month - 1]} de {day.year}"


def _tagalog_date(day: date) -> str:
    """Return Abril 1, 1985."""
    return f"{_TAGALOG_MONTHS[day.month - 1]} {day.day}, {day.year}"


ENGLISH = NoticeText(
    language=Language.ENGLISH,
    title="Notice of Your Individual Number (My Number)",
    intro=(
        "This notice tells you your Individual Number, also called My Number. Your municipality "
        "sends it to you under Article 7(1) of the My Number Act."
    ),
    name="Name",
    number="Individual Number",
    address="Address",
    date_of_birth="Date of birth",
    issued_by="Issued by",
    issue_date="Date of issue",
    application_id="Application ID",
    withheld="(not shown, for your protection)",
    important="Important",
    not_proof=(
        "This notice is NOT an identity document and NOT proof of your number. You cannot use it "
        "to prove who you are or what your number is. To prove your number, use your My Number "
        "Card, or a copy of your residence record (住民票) that shows your number."
    ),
    card=(
        "The My Number Card is optional. To apply, use the form on the Japanese page (its "
        "application ID is below): attach a photo, sign it and send it by post, or scan its QR "
        "code with a smartphone to apply online."
    ),
    translation_note=(
        "This page is a translation to help you. The Japanese page is the official notice."
    ),
    write_date=_english_date,
)

CHINESE = NoticeText(
    language=Language.CHINESE,
    title="个人编号通知书（My Number）",
    intro=(
        "本通知书告知您的个人编号（My Number）。您所在的市区町村根据《个人编号法》第7条第1款"
        "向您寄送本通知书。"
    ),
    name="姓名",
    number="个人编号",
    address="住址",
    date_of_birth="出生日期",
    issued_by="发行机关",
    issue_date="发行日期",
    application_id="申请书ID",
    withheld="（为保护您的安全，不予显示）",
    important="重要提示",
    not_proof=(
        "本通知书不是身份证明文件，也不能证明您的个人编号。您不能用它来证明您的身份或您的个人编号。"
        "如需证明个人编号，请使用个人编号卡（My Number卡），或记载有个人编号的住民票副本。"
    ),
    card=(
        "个人编号卡由本人自愿申请。申请时请使用日文页上的申请书（申请书ID见下）：贴上照片并签名后"
        "邮寄，或用智能手机扫描二维码在线申请。"
    ),
    translation_note="本页为翻译，仅供参考。正式通知以日文页为准。",
    write_date=_chinese_date,
)

KOREAN = NoticeText(
    language=Language.KOREAN,
    title="개인번호 통지서 (마이넘버)",
    intro=(
        "이 통지서는 귀하의 개인번호(마이넘버)를 알려 드리는 것입니다. 거주하시는 시구정촌이 "
        "「마이넘버법」 제7조 제1항에 따라 보내 드립니다."
    ),
    name="성명",
    number="개인번호",
    address="주소",
    date_of_birth="생년월일",
    issued_by="발행 기관",
    issue_date="발행일",
    application_id="신청서 ID",
    withheld="(보호를 위해 표시하지 않습니다)",
    important="중요",
    not_proof=(
        "이 통지서는 신분증이 아니며, 개인번호를 증명하는 서류도 아닙니다. "
        "이 통지서로 본인 확인이나 개인번호 증명을 할 수 없습니다. "
        "개인번호를 증명하려면 마이넘버 카드 또는 개인번호가 기재된 주민표(住民票) 사본을 "
        "사용하십시오."
    ),
    card=(
        "마이넘버 카드 신청은 선택 사항입니다. 신청하려면 일본어 페이지의 신청서"
        "(신청서 ID는 아래에 있습니다)에 사진을 붙이고 서명하여 우편으로 보내거나, "
        "스마트폰으로 QR 코드를 읽어 온라인으로 신청하십시오."
    ),
    translation_note="이 페이지는 참고용 번역입니다. 정식 통지는 일본어 페이지입니다.",
    write_date=_korean_date,
)

VIETNAMESE = NoticeText(
    language=Language.VIETNAMESE,
    title="Thông báo mã số cá nhân (My Number)",
    intro=(
        "Thông báo này cho bạn biết mã số cá nhân (My Number) của bạn. Chính quyền địa phương nơi "
        "bạn sống gửi thông báo này theo Khoản 1 Điều 7 của Luật My Number."
    ),
    name="Họ tên",
    number="Mã số cá nhân",
    address="Địa chỉ",
    date_of_birth="Ngày sinh",
    issued_by="Cơ quan cấp",
    issue_date="Ngày cấp",
    application_id="Mã đơn đăng ký",
    withheld="(không ghi, để bảo vệ bạn)",
    important="Lưu ý quan trọng",
    not_proof=(
        "Thông báo này KHÔNG phải là giấy tờ tùy thân và KHÔNG phải là giấy chứng minh mã số của "
        "bạn. Bạn không thể dùng nó để chứng minh bạn là ai hay mã số của bạn là gì. Để chứng minh "
        "mã số, hãy dùng thẻ My Number hoặc bản sao phiếu cư trú (住民票) có ghi mã số của bạn."
    ),
    card=(
        "Việc làm thẻ My Number là tự nguyện. Để đăng ký, hãy dùng đơn trên trang tiếng Nhật (mã "
        "đơn ở bên dưới): dán ảnh, ký tên rồi gửi qua bưu điện, hoặc quét mã QR bằng điện thoại "
        "thông minh để đăng ký trực tuyến."
    ),
    translation_note=(
        "Trang này là bản dịch để giúp bạn. Trang tiếng Nhật là thông báo chính thức."
    ),
    write_date=_vietnamese_date,
)

PORTUGUESE = NoticeText(
    language=Language.PORTUGUESE,
    title="Notificação do Número Individual (My Number)",
    intro=(
        "Esta notificação informa o seu Número Individual, também chamado My Number. A "
        "prefeitura da sua cidade envia esta notificação conforme o Artigo 7, parágrafo 1, da Lei "
        "do My Number."
    ),
    name="Nome",
    number="Número Individual",
    address="Endereço",
    date_of_birth="Data de nascimento",
    issued_by="Emitido por",
    issue_date="Data de emissão",
    application_id="ID do formulário",
    withheld="(não exibido, para a sua proteção)",
    important="Importante",
    not_proof=(
        "Esta notificação NÃO é um documento de identidade e NÃO comprova o seu número. Você não "
        "pode usá-la para provar quem você é nem qual é o seu número. Para comprovar o seu número, "
        "use o Cartão My Number ou uma cópia do seu registro de residente (住民票) que mostre o "
        "número."
    ),
    card=(
        "O Cartão My Number é opcional. Para solicitá-lo, use o formulário da página em japonês (o "
        "ID do formulário está abaixo): cole uma foto, assine e envie pelo correio, ou leia o "
        "código QR com um smartphone para solicitar pela internet."
    ),
    translation_note=(
        "Esta página é uma tradução para ajudar você. A notificação oficial é a página em japonês."
    ),
    write_date=_portuguese_date,
)

TAGALOG = NoticeText(
    language=Language.TAGALOG,
    title="Abiso ng Iyong Individual Number (My Number)",
    intro=(
        "Ipinapaalam ng abisong ito ang iyong Individual Number, na tinatawag ding My Number. "
        "Ipinadala ito sa iyo ng iyong munisipyo ayon sa Artikulo 7, talata 1, ng My Number Act."
    ),
    name="Pangalan",
    number="Individual Number",
    address="Tirahan",
    date_of_birth="Petsa ng kapanganakan",
    issued_by="Nagbigay",
    issue_date="Petsa ng pagbigay",
    application_id="Application ID",
    withheld="(hindi ipinapakita, para sa iyong proteksyon)",
    important="Mahalaga",
    not_proof=(
        "Ang abisong ito ay HINDI ID at HINDI patunay ng iyong numero. Hindi mo ito magagamit para "
        "patunayan kung sino ka o kung ano ang iyong numero. Para patunayan ang iyong numero, "
        "gamitin ang iyong My Number Card o kopya ng iyong residence record (住民票) na may "
        "nakasulat na numero."
    ),
    card=(
        "Hindi sapilitan ang My Number Card. Para mag-apply, gamitin ang form sa pahinang Japanese "
        "(nasa ibaba ang application ID nito): idikit ang litrato, pumirma, at ipadala sa koreo, o "
        "i-scan ang QR code gamit ang smartphone para mag-apply online."
    ),
    translation_note=(
        "Ang pahinang ito ay salin para tulungan ka. Ang opisyal na abiso ay ang pahinang Japanese."
    ),
    write_date=_tagalog_date,
)

#: The added page's wording for every language other than Japanese.
TRANSLATIONS: dict[Language, NoticeText] = {
    text.language: text for text in (ENGLISH, CHINESE, KOREAN, VIETNAMESE, PORTUGUESE, TAGALOG)
}
