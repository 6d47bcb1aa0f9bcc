"""The SHA-256 fingerprint printed at the foot of every page.

Why: a signed paper travels far from the portal. The fingerprint is a hash of the data the document
was made from, so anyone holding the paper can ask the portal (``/verify/<fingerprint>``) what it
recorded, and two prints of the same data carry the same fingerprint. The hash is taken over a
canonical JSON form (sorted keys, NFC strings, exact decimals, ISO dates) so it does not depend on
dict order, keyboard normalisation or how a number happened to be typed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any


def canonical(value: Any) -> Any:
    """Turn plain data (dataclasses, dicts, sequences, numbers, dates) into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        out["__type__"] = type(value).__name__
        return out
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot fingerprint {value!r}")
        return {"decimal": format(value.normalize(), "f")}
    if isinstance(value, Fraction):
        return {"fraction": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, float):
        return {"decimal": format(Decimal(repr(value)).normalize(), "f")}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, Mapping):
        return {str(canonical(k)): canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def canonical_json(data: Any) -> bytes:
    """The exact bytes that are hashed: compact, key-sorted UTF-8 JSON."""
    return json.dumps(
        canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def fingerprint(data: Any) -> str:
    """SHA-256 (64 lower-case hex digits) of ``data``'s canonical JSON."""
    return hashlib.sha256(canonical_json(data)).hexdigest()
