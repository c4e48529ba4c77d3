"""Request bodies that a route reads itself, so that a malformed one can be refused *and recorded*.

FastAPI refuses a body that does not fit a route's form before the route runs, so the route cannot
record the refusal. Routes whose refusals must be recorded (a body collecting a number, a body
asking for an exchange) read the body with :func:`read_bounded`, stopping at their limit, and parse
it with :func:`parse_form`, which says in one line what is wrong with it, never echoing the values.
"""

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

Form = TypeVar("Form", bound=BaseModel)


async def read_bounded(request: Request, limit: int) -> bytes | None:
    """Return the request body, or None when it is larger than ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused without reading; otherwise reading
    stops as soon as the limit is passed.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            return None
    return bytes(received)


def parse_form(raw: bytes, form: type[Form]) -> Form | str:
    """Return ``raw`` parsed as ``form``, or one line saying where and why it is not one."""
    try:
        return form.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}; send a JSON object with {', '.join(form.model_fields)}"


def openapi_body(form: type[BaseModel]) -> dict[str, object]:
    """Return the OpenAPI request body of a route that reads ``form`` itself."""
    schema = {"content": {"application/json": {"schema": form.model_json_schema()}}}
    return {"requestBody": {"required": True, **schema}}
