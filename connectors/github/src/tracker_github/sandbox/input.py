"""Reading request bodies and query strings the way GitHub judges them.

GitHub answers bad JSON with 400 "Problems parsing JSON", a body of the wrong type with 422
"Invalid request. For 'properties/title', 5 is not a string.", and a missing or empty
required field with 422 "Validation Failed" + `errors`. Unknown fields are ignored, as GitHub
ignores them. Nothing here touches state, so a refused request changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dateutil.parser import isoparse

from tracker_github.sandbox.state import STATE_REASONS, GitHubError, validation_failed

_TYPE_NAMES = {str: "string", int: "integer", list: "array", dict: "object", bool: "boolean"}


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object a write sent (an empty body is an empty object)."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise GitHubError(400, "Problems parsing JSON") from error
    if not isinstance(body, dict):
        raise invalid_request(f"For 'links/0/schema', {_show(body)} is not an object.")
    return body


def parse_json(raw: bytes) -> Any:
    """Any JSON value (label endpoints take a bare array or an object)."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as error:
        raise GitHubError(400, "Problems parsing JSON") from error


def invalid_request(detail: str) -> GitHubError:
    return GitHubError(422, f"Invalid request.\n\n{detail}")


def _show(value: Any) -> str:
    """A JSON value as GitHub's (Ruby) schema validator prints it."""
    return "nil" if value is None else json.dumps(value)


def _type_error(key: str, value: Any, expected: str) -> GitHubError:
    return invalid_request(f"For 'properties/{key}', {_show(value)} is not {expected}.")


def optional_str(body: dict[str, Any], key: str, *, nullable: bool = True) -> str | None:
    value = body.get(key)
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise _type_error(key, value, "a string or null" if nullable else "a string")
    return value


def title_field(body: dict[str, Any], resource: str = "Issue", key: str = "title") -> str:
    """A required title (GitHub accepts an integer and stores its text)."""
    if key not in body or body[key] in (None, ""):
        raise validation_failed({"resource": resource, "code": "missing_field", "field": key})
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _type_error(key, value, "a string or integer")
    text = str(value)
    if not text.strip():
        raise validation_failed({"resource": resource, "code": "missing_field", "field": key})
    if resource == "Issue":
        too_long(text, resource, key, MAX_TITLE)
    return text


MAX_TITLE = 256  # characters GitHub accepts in an issue title
MAX_BODY = 65_536  # ... and in an issue or comment body


def too_long(text: str | None, resource: str, key: str, limit: int) -> None:
    """GitHub's 422 for a title or body over its length limit."""
    if text is not None and len(text) > limit:
        raise validation_failed(
            {
                "resource": resource,
                "code": "custom",
                "field": key,
                "message": f"{key} is too long (maximum is {limit} characters)",
            }
        )


def string_list(body: dict[str, Any], key: str) -> list[str]:
    """An array of names; label arrays may also hold `{"name": ...}` objects."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _type_error(key, value, "an array")
    names: list[str] = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(item["name"])
        elif isinstance(item, str):
            names.append(item)
        else:
            raise invalid_request(f"For 'items', {_show(item)} is not a string or object.")
    return names


def milestone_field(body: dict[str, Any]) -> int | None:
    """A milestone number; null or "" clears it (PyGithub sends "" for `milestone=None`)."""
    value = body.get("milestone")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _type_error("milestone", value, "a string or integer or null")
    return value


def choice(body: dict[str, Any], key: str, allowed: tuple[str, ...], resource: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _type_error(key, value, "a string or null")
    if value not in allowed:
        raise validation_failed(
            {"value": value, "resource": resource, "field": key, "code": "invalid"}
        )
    return value


def timestamp(value: Any, key: str, resource: str) -> datetime | None:
    """An ISO 8601 timestamp (UTC when no zone is given)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _type_error(key, value, "a string or null")
    try:
        parsed = isoparse(value)
    except ValueError as error:
        raise validation_failed(
            {"value": value, "resource": resource, "field": key, "code": "invalid"}
        ) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def query_choice(value: str | None, allowed: tuple[str, ...], default: str, field: str) -> str:
    """A list filter such as `state=`; a value GitHub doesn't know is a 422."""
    if value is None or value == "":
        return default
    if value not in allowed:
        raise validation_failed(
            {"value": value, "resource": "Issue", "field": field, "code": "invalid"}
        )
    return value


def page_numbers(per_page: str | None, page: str | None) -> tuple[int, int]:
    """(per_page, page): 30 by default, at most 100, as GitHub clamps them."""
    size = int(per_page) if per_page and per_page.isdigit() else 30
    number = int(page) if page and page.isdigit() else 1
    return min(max(size, 1), 100), max(number, 1)


def issue_changes(body: dict[str, Any]) -> dict[str, Any]:
    """Validated PATCH /issues/{n} fields (only those sent); unknown fields are ignored."""
    changes: dict[str, Any] = {}
    if "title" in body:
        changes["title"] = title_field(body)
    if "body" in body:
        changes["body"] = optional_str(body, "body")
        too_long(changes["body"], "Issue", "body", MAX_BODY)
    if "state" in body:
        changes["state"] = choice(body, "state", ("open", "closed"), "Issue") or "open"
    if "state_reason" in body:
        changes["state_reason"] = choice(body, "state_reason", STATE_REASONS, "Issue")
    if "labels" in body:
        changes["labels"] = string_list(body, "labels")
    if "assignees" in body:
        changes["assignees"] = string_list(body, "assignees")
    elif "assignee" in body:
        changes["assignee"] = optional_str(body, "assignee")
    if "milestone" in body:
        changes["milestone"] = milestone_field(body)
    return changes
