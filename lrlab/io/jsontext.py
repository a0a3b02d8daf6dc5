"""JSON text from outside (a link, an upload, a file): parsed with bounded nesting, and an
object that holds one key twice is refused (``json.loads`` would keep the last silently).

``json.loads`` recurses once per nesting level, so ``[[[[...]]]]`` a few thousand deep raises
RecursionError (and deep values would crash later copies and walks). Nothing lrlab reads nests
deeper than MAX_DEPTH: a config with composites three levels deep is about ten.
"""

from __future__ import annotations

import json
from typing import Any

from lrlab.core.errors import ConfigError

MAX_DEPTH = 32


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def loads(text: str | bytes, field: str, what: str) -> Any:
    """Parse ``text``; raises ConfigError(field, one line) for anything that is not bounded
    JSON. ``what`` names the source in the message ("the file", "the shared link")."""
    deep = f"{what} nests JSON more than {MAX_DEPTH} levels deep"
    try:
        value = json.loads(text, object_pairs_hook=_unique)
    except _DuplicateKey as dup:
        raise ConfigError(
            field, f"{what} holds the key {json.dumps(dup.key)} twice in one object"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            field, f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from None
    except RecursionError:
        raise ConfigError(field, deep) from None
    except ValueError as exc:  # e.g. an integer of 5,000 digits
        raise ConfigError(field, f"{what} is not valid JSON: {exc}") from None
    if _depth(value) > MAX_DEPTH:
        raise ConfigError(field, deep)
    return value


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:  # deeper is refused anyway: stop walking
                children = node.values() if isinstance(node, dict) else node
                stack.extend((child, depth + 1) for child in children)
    return deepest
