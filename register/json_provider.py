"""Request bodies as JSON that cannot take a worker down.

Python's JSON parser recurses once per nesting level, so a body of 30,000 nested arrays raises
RecursionError, which Flask treats as a server error (500). Here it is a ValueError like any other
malformed JSON: `request.get_json()` answers 400, and `get_json(silent=True)` gives None.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
