"""The items of a large JSON document one at a time, in bounded memory and nesting depth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from register.ingest.rejections import FormatError
from register.ingest.streams import CountingReader, limits

__all__ = ["MAX_JSON_DEPTH", "TOP_LEVEL_ARRAY", "ijson_message", "json_items"]

MAX_JSON_DEPTH = 100  # OCDS releases nest about 6 levels
TOP_LEVEL_ARRAY = ""  # the `target` for the items of a document that is one array (BODS)


def ijson_message(exc: Exception) -> str:
    """The first line of an ijson error, without the bytes-literal wrapping yajl gives it."""
    message = str(exc)
    if message.startswith(("b'", 'b"')):
        message = message[2:]
    return message.split("\n", 1)[0].split("\\n", 1)[0].strip()


def json_items(path: Path, reader: CountingReader, target: str | None) -> Iterator[Any]:
    """The items of the top-level `target` array ("releases", "records"), of the document's own
    array (`TOP_LEVEL_ARRAY`), or the whole object (None).

    Built from ijson's basic events rather than with `ijson.items`, whose per-level prefixes take
    memory quadratic in the nesting depth (a 200 kB file of nested brackets exhausts gigabytes).
    Raises FormatError beyond MAX_JSON_DEPTH levels; ijson's own errors pass through.
    """
    stack: list[Any] = []  # the open containers of the item being built
    keys: list[Any] = []  # the current key of each open container
    depth = 0  # nesting depth outside items
    top_key = None
    in_target = False  # directly inside the top-level target array
    item_depth = 1 if target == TOP_LEVEL_ARRAY else 2  # where the items start
    longest = limits().max_string_chars
    for event, value in ijson.basic_parse(reader, use_float=False):
        if type(value) is str and len(value) > longest:
            raise FormatError(
                f"{path}: a string of more than {longest:,} characters before byte "
                f"{reader.position} (the limit for one value)"
            )
        opens = event == "start_map" or event == "start_array"
        if stack:
            if event == "map_key":
                keys[-1] = value
            elif event == "end_map" or event == "end_array":
                done = stack.pop()
                keys.pop()
                if not stack:
                    yield done
            else:
                if opens:
                    value = {} if event == "start_map" else []
                parent = stack[-1]
                if type(parent) is list:
                    parent.append(value)
                else:
                    parent[keys[-1]] = value
                if opens:
                    stack.append(value)
                    keys.append(None)
                    if len(stack) > MAX_JSON_DEPTH:
                        raise FormatError(
                            f"{path}: JSON nested more than {MAX_JSON_DEPTH} levels deep"
                            f" before byte {reader.position}"
                        )
        elif opens and ((depth == item_depth and in_target) or (depth == 0 and target is None)):
            stack.append({} if event == "start_map" else [])
            keys.append(None)
        elif opens:
            depth += 1
            in_target = (
                depth == item_depth
                and event == "start_array"
                and (target == TOP_LEVEL_ARRAY or top_key == target)
            )
        elif event == "end_map" or event == "end_array":
            depth -= 1
            in_target = in_target and depth == item_depth
        elif depth == 1 and event == "map_key":
            top_key = value
        elif depth == item_depth and in_target:
            yield value
