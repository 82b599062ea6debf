"""The Jira sandbox's field rules: what create, edit and transition screens accept,
turned into stored values, and the words Jira uses to refuse the rest (400
`{"errorMessages": [], "errors": {"summary": "..."}}`). Nothing is changed here:
callers apply the values only when `errors` stays empty."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from tracker_jira.sandbox.payloads import ADF, adf_to_text, rich_text
from tracker_jira.sandbox.state import (
    ISSUE_TYPE_BY_ID,
    ISSUE_TYPE_BY_NAME,
    PRIORITY_BY_ID,
    PRIORITY_BY_NAME,
    RESOLUTION_BY_ID,
    RESOLUTION_BY_NAME,
    Issue,
    JiraState,
)

if TYPE_CHECKING:
    from tracker_jira.sandbox.server import JiraSandbox

CANNOT_SET = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."
ADF_REQUIRED = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
IGNORED = object()  # a value the real service silently drops
_LABEL_SPACE = re.compile(r"\s")


class JiraFieldRules:
    """Checks field values against the sandbox's current catalogues and users."""

    def __init__(self, sandbox: JiraSandbox) -> None:
        self.sandbox = sandbox

    @property
    def state(self) -> JiraState:
        return self.sandbox.state

    @property
    def cloud(self) -> bool:
        return self.sandbox.cloud

    def validate_fields(
        self, fields: Any, *, creating: bool, errors: dict[str, str]
    ) -> dict[str, Any]:
        """Checked `fields` as stored values; problems go to `errors` as Jira words them."""
        if not isinstance(fields, dict):
            errors.setdefault("fields", "Operation value must be an object")
            return {}
        values: dict[str, Any] = {}
        if creating:
            values["project"] = self._check_project(fields.get("project"), errors)
            values["issuetype"] = self._check_issue_type(fields.get("issuetype"), errors)
            if "summary" not in fields:
                errors["summary"] = "You must specify a summary of the issue."
        for name, value in fields.items():
            if name in ("project", "issuetype") and creating:
                continue
            checker = self._FIELD_CHECKERS.get(name)
            if checker is None:
                errors[name] = CANNOT_SET.format(name)
                continue
            checked = checker(self, value, errors)
            if name not in errors and checked is not IGNORED:
                values[name] = checked
        return values

    def _check_project(self, value: Any, errors: dict[str, str]) -> str | None:
        project = None
        if isinstance(value, dict):
            ident = value.get("id") if value.get("id") is not None else value.get("key")
            if isinstance(ident, str | int) and not isinstance(ident, bool):
                project = self.state.project(str(ident))
        elif isinstance(value, str):
            project = self.state.project(value)
        if project is None:
            errors["project"] = "Specify a valid project ID or key"
            return None
        return project.key

    def _check_issue_type(self, value: Any, errors: dict[str, str]) -> str | None:
        if value is None:
            errors["issuetype"] = "Specify an issue type"
            return None
        found = None
        if isinstance(value, dict):
            if value.get("id") is not None:
                found = ISSUE_TYPE_BY_ID.get(str(value["id"]))
            elif isinstance(value.get("name"), str):
                found = ISSUE_TYPE_BY_NAME.get(value["name"].lower())
        if found is None:
            errors["issuetype"] = "Specify a valid issue type"
            return None
        return found[0]

    def _check_summary(self, value: Any, errors: dict[str, str]) -> Any:
        if value is None or value == "":
            errors["summary"] = "You must specify a summary of the issue."
        elif not isinstance(value, str):
            errors["summary"] = "Operation value must be a string"
        elif not value.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(value) > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        elif "\n" in value or "\r" in value:
            errors["summary"] = "The summary is invalid because it contains newline characters."
        return value

    def _check_description(self, value: Any, errors: dict[str, str]) -> Any:
        if value is None:
            return None
        if ADF.get():
            text = adf_to_text(value)
            if text is None:
                errors["description"] = ADF_REQUIRED
            return text
        if not isinstance(value, str):
            errors["description"] = "Operation value must be a string"
        return value

    def _check_labels(self, value: Any, errors: dict[str, str]) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            errors["labels"] = "data was not an array"
            return value
        for label in value:
            if not isinstance(label, str):
                errors["labels"] = "Operation value must be a string"
            elif _LABEL_SPACE.search(label) or not label:
                errors["labels"] = f"The label '{label}' contains spaces which is invalid."
            elif len(label) > 255:
                errors["labels"] = "The label must be less than 255 characters."
            if "labels" in errors:
                break
        return list(dict.fromkeys(value))

    def _check_duedate(self, value: Any, errors: dict[str, str]) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            errors["duedate"] = "Operation value must be a string"
            return value
        try:
            if len(value) == 10:
                return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        errors["duedate"] = f"Error parsing date string: {value}"
        return value

    def _check_priority(self, value: Any, errors: dict[str, str]) -> Any:
        found = None
        if isinstance(value, dict):
            if value.get("id") is not None:
                found = PRIORITY_BY_ID.get(str(value["id"]))
            elif isinstance(value.get("name"), str):
                found = PRIORITY_BY_NAME.get(value["name"].lower())
            else:
                errors["priority"] = "Could not find valid 'id' or 'name' in priority object."
                return value
        else:
            errors["priority"] = "Could not find valid 'id' or 'name' in priority object."
            return value
        if found is None:
            errors["priority"] = "The priority selected is invalid."
            return value
        return found[0]

    def check_user_field(self, name: str, value: Any, errors: dict[str, str]) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            errors[name] = f"expected Object containing a '{'accountId' if self.cloud else 'name'}'"
            return value
        if self.cloud:
            if "accountId" not in value:
                # Cloud ignores a username silently (pycontribs/jira#1781).
                return IGNORED
            account_id = value["accountId"]
            if account_id is None or account_id == "-1":
                return None
            user = self.state.user_by_account(str(account_id))
        else:
            ident = value.get("name") if value.get("name") is not None else value.get("key")
            if ident is None and "name" in value:
                return None
            user = self.state.user_by_name(str(ident)) if ident is not None else None
            if ident == "-1":
                return None
        if user is None:
            errors[name] = "Specify a valid value for " + name
            return value
        return user.account_id

    def _check_assignee(self, value: Any, errors: dict[str, str]) -> Any:
        return self.check_user_field("assignee", value, errors)

    def _check_reporter(self, value: Any, errors: dict[str, str]) -> Any:
        checked = self.check_user_field("reporter", value, errors)
        if checked is None and "reporter" not in errors:
            errors["reporter"] = "Reporter is required."
        return checked

    _FIELD_CHECKERS: ClassVar[dict[str, Callable[[JiraFieldRules, Any, dict[str, str]], Any]]] = {
        "summary": _check_summary,
        "description": _check_description,
        "labels": _check_labels,
        "duedate": _check_duedate,
        "priority": _check_priority,
        "assignee": _check_assignee,
        "reporter": _check_reporter,
    }

    def validate_update(
        self, update: Any, issue: Issue, values: dict[str, Any], errors: dict[str, str]
    ) -> list[str]:
        """Apply `update` verbs (set/add/remove) onto `values`; returns comments to add."""
        comments: list[str] = []
        if update is None:
            return comments
        if not isinstance(update, dict):
            errors["update"] = "Operation value must be an object"
            return comments
        for name, operations in update.items():
            if not isinstance(operations, list):
                errors[name] = "Operation value must be an array of operations"
                continue
            for operation in operations:
                if not isinstance(operation, dict) or len(operation) != 1:
                    errors[name] = "Operation must be an object with a single verb"
                    break
                verb, argument = next(iter(operation.items()))
                if name == "comment" and verb == "add":
                    text = rich_text(argument.get("body") if isinstance(argument, dict) else None)
                    if not isinstance(text, str) or not text.strip():
                        errors["comment"] = "Comment body can not be empty!"
                    else:
                        comments.append(text)
                elif name == "labels" and verb in ("add", "remove"):
                    current = list(values.get("labels", issue.labels))
                    checked = self._check_labels([argument], errors)
                    if "labels" in errors:
                        break
                    if verb == "add" and checked[0] not in current:
                        current.append(checked[0])
                    elif verb == "remove" and checked[0] in current:
                        current.remove(checked[0])
                    values["labels"] = current
                elif verb == "set" and name in self._FIELD_CHECKERS:
                    checked = self._FIELD_CHECKERS[name](self, argument, errors)
                    if name not in errors and checked is not IGNORED:
                        values[name] = checked
                elif name in self._FIELD_CHECKERS or name == "comment":
                    errors[name] = f"Operation '{verb}' is not supported for field '{name}'."
                else:
                    errors[name] = CANNOT_SET.format(name)
        return comments

    def check_resolution(self, value: Any, errors: dict[str, str]) -> str | None:
        found = None
        if isinstance(value, dict):
            if value.get("id") is not None:
                found = RESOLUTION_BY_ID.get(str(value["id"]))
            elif isinstance(value.get("name"), str):
                found = RESOLUTION_BY_NAME.get(value["name"].lower())
        if found is None:
            errors["resolution"] = "Specify a valid resolution"
            return None
        return found[0]
