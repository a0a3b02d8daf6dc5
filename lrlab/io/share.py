"""Configs in URLs: compact JSON, zlib-compressed, base64url. Decoding is bounded."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from lrlab.core.errors import ConfigError
from lrlab.io.jsontext import loads

MAX_LINK_CHARS = 32_000
MAX_JSON_BYTES = 256_000  # a decompressed link larger than this is refused (zip bombs)


def encode(obj: Any) -> str:
    raw = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode(text: str) -> Any:
    """Inverse of :func:`encode`; raises ConfigError('link', ...) for anything malformed."""
    if not isinstance(text, str) or len(text) > MAX_LINK_CHARS:
        raise ConfigError("link", "the shared link is too long or malformed")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON_BYTES)
        if inflater.unconsumed_tail:
            raise ConfigError("link", "the shared link holds too much data")
        if not inflater.eof:  # the checksum at the end is missing: the link was cut
            raise ValueError("truncated")
        if inflater.unused_data:  # bytes after the stream: not what encode() writes
            raise ValueError("trailing bytes")
    except ConfigError:
        raise
    except (ValueError, zlib.error):
        raise ConfigError("link", "the shared link is damaged (cut short or altered)") from None
    return loads(raw, "link", "the shared link")
