"""JSON from clients, bounded: a document nested deeper than a sane limit is refused before
the recursive decoder sees it (about 1,000 levels would raise RecursionError in it)."""

from __future__ import annotations

import json
from typing import Any

# No request body or frame of the product nests deeper than a few levels.
MAX_JSON_DEPTH = 32


class JsonTooDeep(ValueError):
    """Nested deeper than the limit."""


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if brackets outside strings nest deeper than `limit` (checked without parsing,
    so a 10,000-level document never reaches the recursive decoder). Counting brackets
    first keeps the common, shallow case at C speed."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_loads_bounded(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` that refuses deep nesting (JsonTooDeep) and NaN/Infinity (ValueError)."""
    if json_too_deep(text, max_depth):
        raise JsonTooDeep(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:  # cannot happen after the check; never a 500 if it did
        raise JsonTooDeep("nested too deeply") from exc
