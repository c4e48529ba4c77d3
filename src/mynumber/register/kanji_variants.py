"""Variant kanji (異体字) in names, folded to one form so that two notations of a name match.

The table is the project's own. It is NOT an official equivalence: not the Ministry of Justice's
戸籍統一文字 nor the IPA 文字情報基盤 縮退マップ (MJ characters folded to JIS X 0213), which a
production system should adopt instead. It is used only to build matching keys
(:func:`mynumber.register.notation.normalize_name`); the register keeps and prints every name
exactly as written.

Two kinds of fold, kept apart below so that a reader can see which is which:

``OLD_FORMS`` -- one character in its traditional and its simplified form (旧字体 -> 新字体). The
    常用漢字表 (平成22年内閣告示第2号) prints the traditional form in brackets beside most of these
    (沢（澤）, 国（國）, 斎（齋）, 竜（龍）), and 戸籍法施行規則 別表第二 allows many of the
    traditional forms in names. Folding them preserves the identity of the character. Even so a
    bearer may hold that 龍 and 竜 are different given names: for matching the project treats them
    as one, which can only make more candidates agree, never fewer, and two people who agree on
    everything else then come out as ambiguous (see :mod:`mynumber.register.matching`).

``SURNAME_CONVENTIONS`` -- characters that are NOT one character in two forms but that families
    and clerks write for one another in surnames: 斉/斎 (two different characters, both read
    さい in 斉藤/斎藤), 髙/高 (はしご高), 﨑 and 嵜/崎, 嶋 and 嶌/島, 冨/富, 舘/館, 槇/槙, 邉/辺,
    𠮷/吉. These are identity-preserving only by convention -- the project's, from common
    practice in name matching -- and a name differing in one of them may in truth be another
    person's; the same ambiguity rule is the safety net.

Variation selectors (IVS, e.g. 葛󠄀/葛, 辻 with one or two dots) need no entry: the name normaliser
removes them, leaving the base character.

>>> fold_kanji("渡邊")
'渡辺'
>>> fold_kanji("齋藤") == fold_kanji("齊藤") == fold_kanji("斉藤") == "斎藤"
True
"""

from collections.abc import Mapping
from types import MappingProxyType


def _pairs(text: str) -> dict[str, str]:
    """Return {variant: common} from space-separated two-character pairs, variant first."""
    return {pair[0]: pair[1] for pair in text.split()}


#: 旧字体 -> 新字体: one character in two forms (常用漢字表's bracketed forms; most 人名用漢字 too).
OLD_FORMS: Mapping[str, str] = MappingProxyType(
    _pairs(
        """
        邊辺 澤沢 濱浜 廣広 國国 櫻桜 實実 惠恵 德徳 眞真 榮栄 藏蔵 圓円 來来 壽寿 黑黒 淺浅
        瀧滝 將将 齋斎 龍竜 關関 澁渋 條条 瀨瀬 增増 彌弥 萬万 豐豊 與与 亞亜 兒児 鐵鉄 傳伝
        團団 靜静 淸清 靑青 戶戸 內内 黃黄 步歩 曉暁 龜亀 樂楽 學学 稻稲 會会 當当 營営 檢検
        縣県 鄕郷 寬寛 晉晋 莊荘 綠緑 禮礼 賴頼 巖巌 嚴厳 勳勲 薰薫 聰聡 乘乗 應応 讓譲 驛駅
        變変 戀恋 郞郎 曾曽 嶽岳 彥彦 敎教 硏研 穗穂 顯顕 竝並 佛仏 拔抜 橫横 衞衛 壯壮 盡尽
        讚讃 禪禅 醫医 假仮 價価 髮髪 廳庁 寶宝 齒歯 氣気 發発
        """
    )
)

#: Surname conventions: different characters, or variants outside the official tables.
SURNAME_CONVENTIONS: Mapping[str, str] = MappingProxyType(
    {
        # 齊 is the old form of 斉, and 斉 (せい) is a different character from 斎 (さい); 斉藤,
        # 齊藤, 齋藤 and 斎藤 are nonetheless written for one another.
        "齊": "斎",
        "斉": "斎",
        **_pairs(
            """
            髙高 﨑崎 嵜崎 嶋島 嶌島 冨富 舘館 槇槙 邉辺 𠮷吉 栁柳 渕淵 篭籠 檜桧 峯峰 桒桑
            濵浜 邨村 凜凛 煕熙 晄晃 籔藪 薮藪
            """
        ),
    }
)

#: Every fold, variant -> common form. No common form is itself a variant, so folding is idempotent.
KANJI_VARIANTS: Mapping[str, str] = MappingProxyType({**OLD_FORMS, **SURNAME_CONVENTIONS})

_TRANSLATION = str.maketrans(dict(KANJI_VARIANTS))


def fold_kanji(text: str) -> str:
    """Return ``text`` with every variant of :data:`KANJI_VARIANTS` replaced by its common form.

    >>> fold_kanji("髙﨑 龍")
    '高崎 竜'
    """
    return text.translate(_TRANSLATION)
