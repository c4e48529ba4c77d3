"""Bodies and tasks: who may handle a My Number, and for what (SPEC.md 4).

A number may be used only in three fields -- tax, social security and disaster measures -- by the
bodies and for the tasks the law lists (番号法 第9条). Number-using bodies
(個人番号利用事務実施者) run those tasks; number-handling bodies (個人番号関係事務実施者:
employers, banks) collect the number only to pass it on to a using body (withholding slips,
payment records). Everyone else may not ask for, collect or keep a number (第15条, 第19条,
第20条).

One exception lies outside the three fields: 第19条 lets a number be provided for a criminal
investigation, out of the Personal Information Protection Commission's supervision (a criticism of
the law). The police are therefore profiled as ``OTHER`` bodies whose only task is marked
``investigation``; the system records such access in a sealed ledger entry.

A body's kind is its profile in the demo. A body that acts as an employer (a city office paying its
staff) is a separate employer profile: the kind says which role it plays, not who it is.

A refusal is not an error: :func:`may_collect` returns a :class:`Decision` with its reason.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from mynumber.network.exceptions import UnknownBodyKind, UnknownTask


class BodyCategory(StrEnum):
    """What the law lets a body do with a number."""

    #: 個人番号利用事務実施者: uses numbers for the tax, social-security and disaster tasks listed.
    NUMBER_USING = "number-using"
    #: 個人番号関係事務実施者: collects numbers only to hand them to a number-using body.
    NUMBER_HANDLING = "number-handling"
    #: Everyone else: may never ask for, collect or keep a number (第15条, 第20条).
    OTHER = "other"

    @property
    def name_ja(self) -> str:
        """Return the Japanese name of the category."""
        return _CATEGORY_NAMES[self][0]

    @property
    def name_en(self) -> str:
        """Return the English name of the category."""
        return _CATEGORY_NAMES[self][1]


_CATEGORY_NAMES: Final[Mapping[BodyCategory, tuple[str, str]]] = MappingProxyType(
    {
        BodyCategory.NUMBER_USING: ("個人番号利用事務実施者", "number-using body"),
        BodyCategory.NUMBER_HANDLING: ("個人番号関係事務実施者", "number-handling body"),
        BodyCategory.OTHER: ("番号を取り扱えない者", "body that may not handle numbers"),
    }
)


class BodyKind(StrEnum):
    """The institution profiles of the demo: what kind of body a node is."""

    CITY_OFFICE = "city-office"
    TAX_OFFICE = "tax-office"
    PENSION_OFFICE = "pension-office"
    HELLO_WORK = "hello-work"
    HEALTH_INSURER = "health-insurer"
    EMPLOYER = "employer"
    BANK = "bank"
    POLICE = "police"
    VIDEO_RENTAL_SHOP = "video-rental-shop"
    POLLSTER = "pollster"
    DIGITAL_AGENCY = "digital-agency"
    JASSO = "jasso"

    @property
    def category(self) -> BodyCategory:
        """Return what the law lets a body of this kind do with a number."""
        return PROFILES[self].category

    @property
    def name_ja(self) -> str:
        """Return the Japanese name of this kind of body."""
        return PROFILES[self].name_ja

    @property
    def name_en(self) -> str:
        """Return the English name of this kind of body."""
        return PROFILES[self].name_en


@dataclass(frozen=True, slots=True)
class BodyProfile:
    """A kind of body with its category and its names."""

    kind: BodyKind
    category: BodyCategory
    name_ja: str
    name_en: str


_USING = BodyCategory.NUMBER_USING
_HANDLING = BodyCategory.NUMBER_HANDLING
_OTHER = BodyCategory.OTHER
_K = BodyKind

#: Every kind of body, with its category and names.
PROFILES: Final[Mapping[BodyKind, BodyProfile]] = MappingProxyType(
    {
        profile.kind: profile
        for profile in (
            BodyProfile(_K.CITY_OFFICE, _USING, "市区町村", "city office"),
            BodyProfile(_K.TAX_OFFICE, _USING, "税務署", "tax office"),
            BodyProfile(_K.PENSION_OFFICE, _USING, "年金事務所", "pension office"),
            BodyProfile(_K.HELLO_WORK, _USING, "ハローワーク", "Hello Work (employment office)"),
            BodyProfile(_K.HEALTH_INSURER, _USING, "健康保険組合", "health insurance society"),
            BodyProfile(_K.EMPLOYER, _HANDLING, "事業主", "employer"),
            BodyProfile(_K.BANK, _HANDLING, "金融機関", "bank"),
            BodyProfile(_K.POLICE, _OTHER, "警察", "police"),
            BodyProfile(_K.VIDEO_RENTAL_SHOP, _OTHER, "レンタルビデオ店", "video rental shop"),
            BodyProfile(_K.POLLSTER, _OTHER, "世論調査会社", "pollster"),
            BodyProfile(_K.DIGITAL_AGENCY, _USING, "デジタル庁", "Digital Agency"),
            BodyProfile(
                _K.JASSO, _USING, "日本学生支援機構", "JASSO (Japan Student Services Organization)"
            ),
        )
    }
)


class Purpose(StrEnum):
    """The only three fields in which the law lets a number be used (番号法 第3条, 第9条)."""

    TAX = "tax"
    SOCIAL_SECURITY = "social-security"
    DISASTER = "disaster"

    @property
    def name_ja(self) -> str:
        """Return the Japanese name of the field."""
        return {"tax": "税", "social-security": "社会保障", "disaster": "災害対策"}[self.value]

    @property
    def name_en(self) -> str:
        """Return the English name of the field."""
        return {"tax": "tax", "social-security": "social security", "disaster": "disaster"}[
            self.value
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """A task the law lists, and the kinds of body that perform it.

    ``id`` is stable (``"employer:withholding-slip"``): it is stored in ledger entries and in the
    table of permitted exchanges. ``purpose`` is None only for an ``investigation`` task, which lies
    outside the three fields and carries a ``note`` saying why it is allowed.
    """

    id: str
    name_ja: str
    name_en: str
    purpose: Purpose | None
    performed_by: frozenset[BodyKind]
    investigation: bool = False
    note: str = ""


_TAX = Purpose.TAX
_SOCIAL = Purpose.SOCIAL_SECURITY
_DISASTER = Purpose.DISASTER

#: The tasks in the three fields, by the kind of body that performs them: (the task id after
#: "<kind>:", its field, its Japanese name, its English name).
_TASK_TABLE: Final[Mapping[BodyKind, tuple[tuple[str, Purpose, str, str], ...]]] = {
    _K.CITY_OFFICE: (
        ("resident-tax", _TAX, "個人住民税の賦課", "resident tax"),
        ("child-allowance", _SOCIAL, "児童手当の支給", "child allowance"),
        ("high-cost-medical-care", _SOCIAL, "高額療養費の支給", "high-cost medical care benefit"),
        ("disaster-relief", _DISASTER, "被災者の支援", "disaster relief"),
    ),
    _K.TAX_OFFICE: (("income-tax", _TAX, "所得税に関する事務", "income tax"),),
    _K.PENSION_OFFICE: (
        ("pension-enrolment", _SOCIAL, "年金の資格取得", "pension enrolment"),
        ("pension-benefit", _SOCIAL, "年金の給付", "pension benefit"),
    ),
    _K.HELLO_WORK: (("employment-insurance", _SOCIAL, "雇用保険", "employment insurance"),),
    _K.HEALTH_INSURER: (
        ("enrolment", _SOCIAL, "健康保険の資格取得", "health insurance enrolment"),
        ("dependant-approval", _SOCIAL, "被扶養者の認定", "approving a dependant"),
        ("benefit-payment", _SOCIAL, "保険給付の支給", "insurance benefit payment"),
    ),
    _K.EMPLOYER: (
        ("withholding-slip", _TAX, "源泉徴収票の作成", "withholding slip (源泉徴収票)"),
        ("social-insurance-enrolment", _SOCIAL, "社会保険の資格取得届", "social insurance forms"),
    ),
    _K.BANK: (("payment-records", _TAX, "支払調書の作成", "payment records for the tax office"),),
    _K.JASSO: (("scholarship", _SOCIAL, "学資の貸与", "scholarships and income-linked repayment"),),
    _K.DIGITAL_AGENCY: (
        ("public-benefit-account", _SOCIAL, "公金受取口座の管理", "public-benefit accounts"),
    ),
}

_TASK_NOTES: Final[Mapping[str, str]] = {
    "city-office:high-cost-medical-care": "paid by the city as the insurer of National Health "
    "Insurance (国民健康保険)",
    "city-office:disaster-relief": "the register of disaster victims (被災者台帳) and their "
    "support",
    "jasso:scholarship": "income-linked support for students: this project files it under "
    "social security",
    "digital-agency:public-benefit-account": "the account also receives tax refunds and disaster "
    "payments; this project files it under social security, the field of most payments to it",
}

_INVESTIGATION = Task(
    id="police:criminal-investigation",
    name_ja="刑事事件の捜査",
    name_en="criminal investigation",
    purpose=None,
    performed_by=frozenset({_K.POLICE}),
    investigation=True,
    note="outside the three fields: 番号法 第19条 lets a number be provided for a criminal "
    "investigation, out of the Personal Information Protection Commission's supervision; "
    "every such access is recorded in a sealed ledger entry",
)

_TASK_LIST: Final = (
    *(
        Task(
            id=f"{kind}:{slug}",
            name_ja=name_ja,
            name_en=name_en,
            purpose=purpose,
            performed_by=frozenset({kind}),
            note=_TASK_NOTES.get(f"{kind}:{slug}", ""),
        )
        for kind, rows in _TASK_TABLE.items()
        for slug, purpose, name_ja, name_en in rows
    ),
    _INVESTIGATION,
)

#: Every task the law lists, by id.
TASKS: Final[Mapping[str, Task]] = MappingProxyType({task.id: task for task in _TASK_LIST})


def parse_body_kind(text: str) -> BodyKind:
    """Return the body kind named ``text``, or raise :class:`UnknownBodyKind` listing the kinds."""
    try:
        return BodyKind(text)
    except ValueError:
        known = ", ".join(BodyKind)
        msg = f"{text!r} is not a kind of body this system knows; use one of: {known}"
        raise UnknownBodyKind(msg) from None


def get_task(task_id: str) -> Task:
    """Return the task ``task_id``, or raise :class:`UnknownTask`."""
    try:
        return TASKS[task_id]
    except KeyError:
        msg = (
            f"{task_id!r} is not a task the law lists; a number may be handled only for the "
            "tax, social-security and disaster tasks in mynumber.network.bodies.TASKS"
        )
        raise UnknownTask(msg) from None


def tasks_for(kind: BodyKind) -> tuple[Task, ...]:
    """Return the tasks a body of ``kind`` performs, in the order of :data:`TASKS`."""
    return tuple(task for task in TASKS.values() if kind in task.performed_by)


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """An allowed-or-denied answer with the reason, worded for the people who run the system."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        """Return whether the request is allowed."""
        return self.allowed


def may_collect(kind: BodyKind, task_id: str) -> Decision:
    """Say whether a body of ``kind`` may collect a person's number for the task ``task_id``."""
    own_tasks = tasks_for(kind)
    if not own_tasks:
        return Decision(
            allowed=False,
            reason=f"the {kind.name_en} may not ask for, collect or keep a My Number "
            "(番号法 第15条, 第19条, 第20条): refuse, and treat the request as a sign of fraud",
        )
    task = TASKS.get(task_id)
    if task is None or kind not in task.performed_by:
        listed = "; ".join(f"{own.name_en} ({own.id})" for own in own_tasks)
        wrong = (
            f"{task_id!r} is not a task the law lists"
            if task is None
            else f"'{task.name_en}' ({task.id}) is not a task of the {kind.name_en}"
        )
        return Decision(
            allowed=False,
            reason=f"{wrong}: the {kind.name_en} may collect a number only for {listed}",
        )
    if task.investigation or task.purpose is None:
        return Decision(
            allowed=True,
            reason=f"the {kind.name_en} may obtain a number for '{task.name_en}' under "
            "番号法 第19条 (criminal investigations); the access is recorded in a sealed entry",
        )
    return Decision(
        allowed=True,
        reason=f"the {kind.name_en} ({kind.category.name_en}) collects the number for "
        f"'{task.name_en}', a {task.purpose.name_en} task",
    )
