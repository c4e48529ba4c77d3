"""How the counter pages are made: templates, the clerk and their language, errors in their words.

A :class:`Page` is one request to the counter: which clerk (from the signed cookie of
:mod:`mynumber.register.clerks`), which language (``?lang=`` first, then the language cookie,
then Japanese), and how to answer (render a template, redirect after a POST). Every answer carries
``Cache-Control: no-store``: the pages show personal data.

Form errors come back field by field in the clerk's language: :func:`field_errors` reads the
checks of :mod:`mynumber.register.schemas`, :func:`refusal` the register's own refusals.
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from http import HTTPStatus
from typing import Annotated, Final, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ValidationError

from mynumber.errors import MyNumberError
from mynumber.numbers import individual
from mynumber.register.clerks import COOKIE, MAX_AGE_SECONDS, ClerkSessions, session_key
from mynumber.register.counter import RegistryNode
from mynumber.register.eras import InvalidDate, japanese_date
from mynumber.register.i18n import (
    DEFAULT_LANGUAGE,
    CounterLanguage,
    has_text,
    other_language,
    text,
)
from mynumber.register.services import Clerk

#: The cookie that keeps the clerk's language.
LANGUAGE_COOKIE: Final = "mynumber_counter_lang"
#: Where the counter pages live under the node.
COUNTER: Final = "/counter"
#: The key of an error that belongs to the whole form rather than one field.
FORM: Final = "_form"
_ONE_YEAR: Final = 365 * 24 * 60 * 60
#: Which message tells the clerk what to fix, by pydantic's or our schemas' error type.
_ERROR_KEYS: Final[Mapping[str, str]] = {
    "missing": "error.blank",
    "blank": "error.blank",
    "string_too_short": "error.blank",
    "string_too_long": "error.too_long",
    "date": "error.date",
    "date_parsing": "error.date",
    "date_from_datetime_parsing": "error.date",
    "date_from_datetime_inexact": "error.date",
    "date_type": "error.date",
    "future_date": "error.future_date",
    "before_birth": "error.before_birth",
    "municipality": "error.municipality",
    "postal_code_format": "error.postal_code_format",
    "postal_code_elsewhere": "error.postal_code_elsewhere",
    "foreign_status": "error.foreign_status",
    "number": "error.number",
    "enum": "error.choice",
    "literal_error": "error.choice",
    "bool_parsing": "error.choice",
    "other_reason": "error.other_reason",
}
#: Fields filled by choosing, whose absence is a choice not made.
_CHOICES: Final = frozenset({"event", "sex", "on_request", "preferred_language", "reason_kind"})

ModelT = TypeVar("ModelT", bound=BaseModel)
ResponseT = TypeVar("ResponseT", bound=Response)


@lru_cache(maxsize=1)
def templates() -> Environment:
    """Return the counter's template environment (made on first use, then kept)."""
    return Environment(
        loader=PackageLoader("mynumber.register", "templates"),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def _language(value: str | None) -> CounterLanguage | None:
    """Return the counter language ``value`` names, or None."""
    return "ja" if value == "ja" else "en" if value == "en" else None


@dataclass(frozen=True)
class Page:
    """One request to the counter: its clerk, its language, and how to answer it."""

    request: Request
    language: CounterLanguage
    #: True when ``?lang=`` chose the language: the answer keeps it in a cookie.
    switched: bool
    clerk: Clerk | None
    sessions: ClerkSessions

    @property
    def cookie_path(self) -> str:
        """Return the path the counter's cookies are sent to, e.g. ``/registry/counter``."""
        return self.url(COUNTER)

    def url(self, path: str) -> str:
        """Return ``path`` (from the node's root) as the browser reaches it."""
        return str(self.request.scope.get("root_path", "")).rstrip("/") + path

    def t(self, key: str, /, **values: object) -> str:
        """Return the words of ``key`` in the page's language."""
        return text(key, self.language, **values)

    def day(self, value: date | None) -> str:
        """Return a date as the counter shows it: ISO, and in Japanese also in its era."""
        if value is None:
            return ""
        if self.language != "ja":
            return value.isoformat()
        try:
            return f"{value.isoformat()}（{japanese_date(value)}）"
        except InvalidDate:
            return value.isoformat()

    def render(
        self,
        template: str,
        *,
        status: int = HTTPStatus.OK,
        here: str | None = None,
        **context: object,
    ) -> HTMLResponse:
        """Render ``template``; ``here`` is the GET address the language switch leads back to."""
        switch_to = other_language(self.language)
        values: dict[str, object] = {
            "t": self.t,
            "lang": self.language,
            "other_lang": switch_to,
            "switch_url": f"{here or self.request.url.path}?lang={switch_to}",
            "clerk": self.clerk,
            "url": self.url,
            "day": self.day,
            "grouped": individual.format,
            "errors": {},
            "form": {},
            "notice": None,
            "form_error": FORM,
            **context,
        }
        html = templates().get_template(template).render(values)
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, path: str) -> RedirectResponse:
        """Answer a POST by sending the browser on to ``path`` (303: POST, redirect, GET)."""
        return self.finish(RedirectResponse(self.url(path), status_code=HTTPStatus.SEE_OTHER))

    def to_login(self) -> RedirectResponse:
        """Send a browser without a clerk session to the start page."""
        return self.redirect(f"{COUNTER}/login")

    def sign_in(self, response: Response, clerk: Clerk) -> None:
        """Start ``clerk``'s session: a signed cookie for the counter's pages only."""
        response.set_cookie(
            COOKIE,
            self.sessions.sign(clerk, now=time.time()),
            max_age=MAX_AGE_SECONDS,
            path=self.cookie_path,
            secure=self.request.url.scheme == "https",
            httponly=True,
            samesite="lax",
        )

    def sign_out(self, response: Response) -> None:
        """End the clerk's session: the browser drops the cookie."""
        response.delete_cookie(COOKIE, path=self.cookie_path, httponly=True, samesite="lax")

    def finish(self, response: ResponseT) -> ResponseT:
        """Forbid caching; keep a language chosen with ``?lang=`` in its cookie."""
        response.headers["Cache-Control"] = "no-store"
        if self.switched:
            response.set_cookie(
                LANGUAGE_COOKIE,
                self.language,
                max_age=_ONE_YEAR,
                path=self.cookie_path,
                httponly=True,
                samesite="lax",
            )
        return response


def page_for(request: Request, node: RegistryNode) -> Page:
    """Return the page of ``request``: its clerk from the signed cookie, its language."""
    asked = _language(request.query_params.get("lang"))
    kept = _language(request.cookies.get(LANGUAGE_COOKIE))
    sessions = ClerkSessions(session_key(node.keys))
    return Page(
        request=request,
        language=asked or kept or DEFAULT_LANGUAGE,
        switched=asked is not None,
        clerk=sessions.verify(request.cookies.get(COOKIE), now=time.time()),
        sessions=sessions,
    )


#: The page a route answers, as a dependency.
CounterPage = Annotated[Page, Depends(page_for)]


async def read_form(request: Request) -> dict[str, str]:
    """Return the text fields of a submitted form (files are ignored)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


#: The fields of a submitted form, as a dependency.
FormData = Annotated[dict[str, str], Depends(read_form)]


def parse(model: type[ModelT], data: Mapping[str, str]) -> ModelT:
    """Check a form against ``model``; an empty field counts as not given."""
    given = {name: value for name, value in data.items() if name in model.model_fields}
    return model.model_validate({name: value for name, value in given.items() if value.strip()})


def label(field: str, language: CounterLanguage) -> str:
    """Return the label of ``field`` in ``language``."""
    key = f"field.{field}"
    return text(key, language) if has_text(key) else field


def field_errors(exc: ValidationError, language: CounterLanguage) -> dict[str, str]:
    """Return, per field, what to fix, in ``language``; the first problem of each field."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        field = str(error["loc"][0]) if error["loc"] else FORM
        if field in errors:
            continue
        key = _ERROR_KEYS.get(error["type"], "error.invalid")
        if error["type"] == "missing" and field in _CHOICES:
            key = "error.choice"
        errors[field] = text(key, language, label=label(field, language), detail=error["msg"])
    return errors


def refusal(exc: MyNumberError, language: CounterLanguage) -> str:
    """Return what the register refused and what to do, in ``language``."""
    for cls in type(exc).__mro__:
        key = f"error.{cls.__name__}"
        if has_text(key):
            return text(key, language, detail=str(exc))
    return str(exc)
