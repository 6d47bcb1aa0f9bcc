"""The OpenAPI 3.1 document, generated from the routes as they are declared.

Each API view is declared with ``api_route``, which registers the Flask route *and* its
description (summary, parameters, request form, response schema). Request bodies are described
from the same WTForms classes that validate them, so the document cannot drift from the checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.errors import STATUS_CODES


@dataclass
class ApiOperation:
    endpoint: str
    rule: str
    method: str
    summary: str
    tag: str
    form: type | None = None
    body: dict | None = None
    response: dict | str | None = None
    status: int = 200
    query: tuple = ()
    errors: tuple[int, ...] = (401, 403)
    public: bool = False
    extra: dict = field(default_factory=dict)


OPERATIONS: list[ApiOperation] = []


def api_route(bp, rule: str, method: str = "GET", **kwargs):
    def deco(fn):
        endpoint = kwargs.pop("endpoint", fn.__name__)
        OPERATIONS.append(ApiOperation(endpoint=f"{bp.name}.{endpoint}", rule=rule, method=method, **kwargs))
        bp.add_url_rule(rule, endpoint, fn, methods=[method])
        return fn

    return deco


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": ref(name)},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
        "required": ["items", "total"],
    }


def with_province(form_cls):
    """A form's schema plus the ``province_id`` the object is created in (lazy, for api_route)."""

    def build():
        schema = form_schema(form_cls)
        schema["properties"]["province_id"] = {"type": "integer"}
        schema.setdefault("required", []).append("province_id")
        return schema

    return build


def form_schema(form_cls) -> dict:
    """JSON Schema of a WTForms form's fields (types, required, bounds, choices)."""
    props, required = {}, []
    form = form_cls(meta={"csrf": False}, formdata=None)
    for f in form:
        if f.name == "csrf_token":
            continue
        if isinstance(f, SelectMultipleField):
            schema = {"type": "array", "items": {"type": "integer"}}
        elif isinstance(f, IntegerField):
            schema = {"type": "integer"}
        elif isinstance(f, BooleanField):
            schema = {"type": "boolean"}
        elif isinstance(f, DateField):
            schema = {"type": "string", "format": "date"}
        elif isinstance(f, SelectField):
            values = [v for v, *_rest in (f.choices or []) if v not in ("", None)]
            schema = {"type": "string", "enum": values} if values and all(isinstance(v, str) for v in values) else {"type": ["integer", "null"]}
        else:
            schema = {"type": "string"}
        for v in f.validators:
            if isinstance(v, Length):
                if v.max and v.max > 0:
                    schema["maxLength"] = v.max
                if v.min and v.min > 0:
                    schema["minLength"] = v.min
            elif isinstance(v, NumberRange):
                if v.min is not None:
                    schema["minimum"] = v.min
                if v.max is not None:
                    schema["maximum"] = v.max
            elif isinstance(v, DataRequired):
                required.append(f.name)
            elif isinstance(v, Optional) and schema.get("type") in ("integer", "string"):
                schema["type"] = [schema["type"], "null"]
        schema["description"] = str(f.label.text)
        props[f.name] = schema
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "examples": list(STATUS_CODES.values())},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                "rows": {
                    "type": "array",
                    "description": "Với lỗi nhập tệp: các dòng có lỗi (không dữ liệu nào được ghi).",
                    "items": {
                        "type": "object",
                        "properties": {
                            "row": {"type": ["integer", "null"]},
                            "field": {"type": ["string", "null"]},
                            "message": {"type": "string"},
                        },
                        "required": ["message"],
                    },
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}


def build_document(schemas: dict, version: str) -> dict:
    paths: dict = {}
    for op in OPERATIONS:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", "/api/v1" + op.rule)
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
            for name in re.findall(r"<(?:\w+:)?(\w+)>", op.rule)
        ]
        params += [
            {"name": q[0], "in": "query", "required": False, "schema": q[1], "description": q[2] if len(q) > 2 else ""}
            for q in op.query
        ]
        operation: dict = {
            "operationId": op.endpoint.split(".", 1)[1],
            "summary": op.summary,
            "tags": [op.tag],
            "responses": {},
        }
        if params:
            operation["parameters"] = params
        if op.public:
            operation["security"] = []
        body = op.body() if callable(op.body) else op.body
        if body is None and op.form is not None:
            body = form_schema(op.form)
        if body is not None:
            content = body["content"] if "content" in body else {"application/json": {"schema": body}}
            operation["requestBody"] = {"required": True, "content": content}
        response = op.response
        if isinstance(response, str):
            response = ref(response)
        operation["responses"][str(op.status)] = {
            "description": "OK",
            **(
                response
                if isinstance(response, dict) and "content" in response
                else ({"content": {"application/json": {"schema": response}}} if response else {})
            ),
        }
        # A query parameter's value can be refused (not a number, out of range), and a body
        # that is not the JSON object the operation reads is: 400.
        implied = ((422,) if body is not None else ()) + ((400,) if op.query or body is not None else ())
        # Further success answers (a large import's 202 with its background job).
        operation["responses"].update(op.extra.get("responses", {}))
        for status in sorted(set(op.errors + implied)):
            if op.public and status in (401, 403):
                continue
            operation["responses"][str(status)] = {"$ref": f"#/components/responses/E{status}"}
        paths.setdefault(path, {})[op.method.lower()] = operation
    statuses = sorted({s for op in OPERATIONS for s in op.errors} | {400, 422})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "thidua-portal API",
            "version": version,
            "description": "Cổng thi đua, khen thưởng — API v1. Xác thực: Authorization: Bearer <mã truy cập>.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA, **schemas},
            "responses": {
                f"E{s}": {
                    "description": STATUS_CODES.get(s, "error"),
                    "content": {"application/json": {"schema": ref("Error")}},
                }
                for s in statuses
            },
        },
    }


def import_refused(errors) -> Exception:
    """The 422 an import answers when any row is bad: nothing was written, every problem listed."""
    from flask_babel import gettext as _

    from portal.errors import ApiError

    rows = [{"row": e.row, "field": e.field, "message": str(e)} for e in errors]
    return ApiError(
        422, "import_errors", _("Tệp có %(n)s lỗi; chưa ghi dữ liệu nào.", n=len(rows)), {}, rows=rows
    )
