"""The JQL subset the sandbox understands, compiled to a predicate plus a sort key.

Anything outside the subset is refused with the message Jira would give (400),
never answered approximately: a sync engine proven against a sandbox that
silently ignored part of a query would be proven against nothing.

Supported: `project`, `key`/`issuekey`/`issue`/`id` (ranges by number, within the key's
project), `labels`, `status`, `statusCategory`, `resolution`, `priority`,
`issuetype`/`type`, `assignee`/`reporter`,
`summary`/`description`/`text` (`~`), `created`/`updated`/`duedate`/`resolutiondate`
with Jira's date literals ("yyyy/MM/dd HH:mm", "yyyy-MM-dd", "-1d", "4w 2d", epoch ms)
evaluated in UTC; `=`, `!=`, `<`, `<=`, `>`, `>=`, `~`, `!~`, `IN`, `NOT IN`, `IS [NOT] EMPTY`;
`AND`, `OR`, `NOT`, parentheses; `ORDER BY f [ASC|DESC], ...`; functions `currentUser()`,
`now()`, `startOfDay()`; quoted strings with `\\"`, `\\'`, `\\\\` escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from tracker_jira.sandbox.state import (
    ISSUE_TYPE_BY_ID,
    ISSUE_TYPE_BY_NAME,
    PRIORITY_BY_ID,
    PRIORITY_BY_NAME,
    RESOLUTION_BY_ID,
    RESOLUTION_BY_NAME,
    STATUS_BY_ID,
    STATUS_BY_NAME,
    STATUS_CATEGORIES,
    Issue,
    JiraState,
)

Predicate = Callable[[Issue], bool]


class JqlError(ValueError):
    """A query Jira would refuse; the message is Jira's wording."""


@dataclass(frozen=True)
class Token:
    kind: str  # "(" ")" "," "op" "str" "word" "end"
    text: str
    position: int  # 1-based character, as Jira reports it


@dataclass
class CompiledQuery:
    predicate: Predicate
    order: list[tuple[str, bool]]  # (field, descending)
    bounded: bool  # has at least one search restriction

    def sort(self, issues: list[Issue]) -> list[Issue]:
        """Issues in ORDER BY order; ties (and no ORDER BY) by id, newest first."""
        result = sorted(issues, key=lambda i: int(i.id), reverse=True)
        for name, descending in reversed(self.order):
            result.sort(key=_SORT_KEYS[name], reverse=descending)
        return result


@dataclass
class JqlContext:
    state: JiraState
    now: datetime
    current_user: str  # account id
    cloud: bool
    zone: tzinfo = UTC  # the searching account's profile time zone
    locale: str = "en_US"  # the searching account's profile language


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<paren>[(),])
      | (?P<op>!=|>=|<=|!~|=|>|<|~|&&|\|\||!)
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<word>[^\s()=!<>~,"'&|]+)
    )""",
    re.VERBOSE,
)
_UNTERMINATED = re.compile(r"""\s*["']""")


def tokenize(jql: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(jql):
        if not jql[position:].strip():
            break
        match = _TOKEN.match(jql, position)
        if match is None or match.end() == position:
            column = len(jql[:position]) + len(jql[position:]) - len(jql[position:].lstrip()) + 1
            if _UNTERMINATED.match(jql, position):
                raise JqlError(
                    f"Error in the JQL Query: The quoted string has not been completed. "
                    f"(line 1, character {column})"
                )
            raise JqlError(
                f"Error in the JQL Query: The character '{jql[column - 1]}' is a reserved JQL "
                f"character. You must enclose it in a string or use the escape '\\u{ord(jql[column - 1]):04x}' "
                f"instead. (line 1, character {column})"
            )
        start = match.start(match.lastgroup or 0) + 1
        kind = match.lastgroup or ""
        text = match.group(kind)
        if kind == "paren":
            tokens.append(Token(text, text, start))
        elif kind == "op":
            normal = {"&&": "AND", "||": "OR", "!": "NOT"}.get(text)
            tokens.append(Token("word", normal, start) if normal else Token("op", text, start))
        elif kind == "str":
            tokens.append(Token("str", _unescape(text[1:-1]), start))
        else:
            tokens.append(Token("word", text, start))
        position = match.end()
    tokens.append(Token("end", "", len(jql) + 1))
    return tokens


def _unescape(body: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


# --- parser -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    text: str
    quoted: bool
    function: str | None = None  # "currentuser", "now", "startofday"


@dataclass(frozen=True)
class Clause:
    field: str
    operator: str  # "=", "!=", "<", ..., "in", "not in", "is", "is not"
    values: tuple[Value, ...]
    position: int


_KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by"}


class Parser:
    def __init__(self, jql: str) -> None:
        self.tokens = tokenize(jql)
        self.index = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def next(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text.lower() in words

    def fail(self, expected: str) -> JqlError:
        token = self.peek()
        got = "end of query" if token.kind == "end" else f"'{token.text}'"
        return JqlError(
            f"Error in the JQL Query: Expecting {expected} but got {got}. "
            f"(line 1, character {token.position})"
        )

    def parse(self) -> tuple[Any, list[tuple[str, bool]]]:
        tree = None
        if not self.is_word("order") and self.peek().kind != "end":
            tree = self.parse_or()
        order: list[tuple[str, bool]] = []
        if self.is_word("order"):
            self.next()
            if not self.is_word("by"):
                raise self.fail("'by'")
            self.next()
            order.append(self.parse_order_item())
            while self.peek().kind == ",":
                self.next()
                order.append(self.parse_order_item())
        if self.peek().kind != "end":
            raise self.fail("either 'OR' or 'AND'")
        return tree, order

    def parse_order_item(self) -> tuple[str, bool]:
        token = self.next()
        if token.kind not in {"word", "str"}:
            self.index -= 1
            raise self.fail("a field name")
        descending = False
        if self.is_word("asc", "desc"):
            descending = self.next().text.lower() == "desc"
        return token.text, descending

    def parse_or(self) -> Any:
        node = self.parse_and()
        while self.is_word("or"):
            self.next()
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self) -> Any:
        node = self.parse_not()
        while self.is_word("and"):
            self.next()
            node = ("and", node, self.parse_not())
        return node

    def parse_not(self) -> Any:
        if self.is_word("not"):
            self.next()
            return ("not", self.parse_not())
        if self.peek().kind == "(":
            self.next()
            node = self.parse_or()
            if self.peek().kind != ")":
                raise self.fail("')'")
            self.next()
            return node
        return self.parse_clause()

    def parse_clause(self) -> Clause:
        token = self.peek()
        if token.kind not in {"word", "str"} or (
            token.kind == "word" and token.text.lower() in _KEYWORDS
        ):
            raise self.fail("a field name")
        self.next()
        field_name = token.text
        op_token = self.peek()
        if op_token.kind == "op":
            self.next()
            return Clause(field_name, op_token.text, (self.parse_value(),), token.position)
        if self.is_word("in"):
            self.next()
            return Clause(field_name, "in", self.parse_list(), token.position)
        if self.is_word("not"):
            self.next()
            if not self.is_word("in"):
                raise self.fail("'IN'")
            self.next()
            return Clause(field_name, "not in", self.parse_list(), token.position)
        if self.is_word("is"):
            self.next()
            operator = "is"
            if self.is_word("not"):
                self.next()
                operator = "is not"
            if not self.is_word("empty", "null"):
                raise self.fail("'EMPTY' or 'NULL'")
            self.next()
            return Clause(field_name, operator, (), token.position)
        raise self.fail("operator")

    def parse_list(self) -> tuple[Value, ...]:
        if self.peek().kind == "word":  # IN someFunction()
            return (self.parse_value(),)
        if self.peek().kind != "(":
            raise self.fail("'('")
        self.next()
        values = [self.parse_value()]
        while self.peek().kind == ",":
            self.next()
            values.append(self.parse_value())
        if self.peek().kind != ")":
            raise self.fail("')'")
        self.next()
        return tuple(values)

    def parse_value(self) -> Value:
        token = self.peek()
        if token.kind == "str":
            self.next()
            return Value(token.text, quoted=True)
        if token.kind != "word" or token.text.lower() in _KEYWORDS - {"empty", "null"}:
            raise self.fail("either a value, 'EMPTY' or a function")
        self.next()
        if self.peek().kind == "(":  # function call
            self.next()
            arguments: list[str] = []
            while self.peek().kind in {"word", "str"}:
                arguments.append(self.next().text)
                if self.peek().kind == ",":
                    self.next()
            if self.peek().kind != ")":
                raise self.fail("')'")
            self.next()
            name = token.text.lower()
            if name not in {"currentuser", "now", "startofday"} or arguments:
                raise JqlError(
                    f"Unable to find JQL function '{token.text}({', '.join(arguments)})'."
                )
            return Value(token.text, quoted=False, function=name)
        return Value(token.text, quoted=False)


# --- compiler ------------------------------------------------------------------------------

_FIELD_ALIASES = {
    "project": "project",
    "key": "key",
    "issuekey": "key",
    "issue": "key",
    "id": "key",
    "labels": "labels",
    "label": "labels",
    "status": "status",
    "statuscategory": "statusCategory",
    "resolution": "resolution",
    "priority": "priority",
    "issuetype": "issuetype",
    "type": "issuetype",
    "assignee": "assignee",
    "reporter": "reporter",
    "summary": "summary",
    "description": "description",
    "text": "text",
    "created": "created",
    "createddate": "created",
    "updated": "updated",
    "updateddate": "updated",
    "duedate": "duedate",
    "due": "duedate",
    "resolutiondate": "resolutiondate",
    "resolved": "resolutiondate",
}

_OPERATORS: dict[str, set[str]] = {
    "project": {"=", "!=", "in", "not in"},
    "key": {"=", "!=", "<", "<=", ">", ">=", "in", "not in"},
    "labels": {"=", "!=", "in", "not in", "is", "is not"},
    "status": {"=", "!=", "in", "not in"},
    "statusCategory": {"=", "!=", "in", "not in"},
    "resolution": {"=", "!=", "in", "not in", "is", "is not"},
    "priority": {"=", "!=", "in", "not in", "is", "is not"},
    "issuetype": {"=", "!=", "in", "not in"},
    "assignee": {"=", "!=", "in", "not in", "is", "is not"},
    "reporter": {"=", "!=", "in", "not in", "is", "is not"},
    "summary": {"~", "!~", "is", "is not"},
    "description": {"~", "!~", "is", "is not"},
    "text": {"~"},
    "created": {"=", "!=", "<", "<=", ">", ">=", "is", "is not"},
    "updated": {"=", "!=", "<", "<=", ">", ">=", "is", "is not"},
    "duedate": {"=", "!=", "<", "<=", ">", ">=", "is", "is not"},
    "resolutiondate": {"=", "!=", "<", "<=", ">", ">=", "is", "is not"},
}

_SORT_KEYS: dict[str, Callable[[Issue], Any]] = {
    "key": lambda i: (i.project, _key_number(i.key)),
    "id": lambda i: int(i.id),
    "created": lambda i: i.created,
    "updated": lambda i: i.updated,
    "priority": lambda i: -int(i.priority),
    "status": lambda i: i.status,
    "summary": lambda i: i.summary.lower(),
    "duedate": lambda i: i.duedate or "9999-12-31",
    "resolutiondate": lambda i: i.resolutiondate or "",
    "project": lambda i: i.project,
    "assignee": lambda i: i.assignee or "",
}


def compile_jql(jql: str, context: JqlContext) -> CompiledQuery:
    """Parse and check `jql` against the site's data; raises JqlError as Jira would."""
    tree, order = Parser(jql).parse()
    if len(order) > 7:
        raise JqlError("The ORDER BY clause can contain at most 7 fields.")
    resolved_order: list[tuple[str, bool]] = []
    for name, descending in order:
        canonical = _FIELD_ALIASES.get(name.lower())
        if canonical is None or canonical not in _SORT_KEYS:
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        resolved_order.append((canonical, descending))
    predicate: Predicate = _compile_node(tree, context) if tree is not None else _always
    return CompiledQuery(predicate, resolved_order, bounded=tree is not None)


def _always(issue: Issue) -> bool:
    return True


def _compile_node(node: Any, context: JqlContext) -> Predicate:
    if isinstance(node, Clause):
        return _compile_clause(node, context)
    if node[0] == "not":
        inner = _compile_node(node[1], context)
        return lambda issue: not inner(issue)
    left = _compile_node(node[1], context)
    right = _compile_node(node[2], context)
    if node[0] == "and":
        return lambda issue: left(issue) and right(issue)
    return lambda issue: left(issue) or right(issue)


def _compile_clause(clause: Clause, context: JqlContext) -> Predicate:
    field_name = _FIELD_ALIASES.get(clause.field.lower())
    if field_name is None:
        raise JqlError(
            f"Field '{clause.field}' does not exist or you do not have permission to view it."
        )
    if clause.operator not in _OPERATORS[field_name]:
        raise JqlError(
            f"The operator '{clause.operator.upper()}' is not supported by the "
            f"'{clause.field}' field."
        )
    if clause.operator in {"is", "is not"}:
        empty = _EMPTY_TESTS[field_name]
        return empty if clause.operator == "is" else (lambda issue: not empty(issue))
    if field_name in {"created", "updated", "duedate", "resolutiondate"}:
        return _compile_date(clause, field_name, context)
    if field_name in {"summary", "description", "text"}:
        return _compile_text(clause, field_name)
    if field_name == "key" and clause.operator in _RANGE_OPERATORS:
        return _compile_key_range(clause, context)
    wanted = {_resolve(field_name, clause.field, v, context) for v in clause.values}
    if field_name == "labels":
        lowered = {w.lower() for w in wanted}

        def has_label(issue: Issue) -> bool:
            return any(label.lower() in lowered for label in issue.labels)

        if clause.operator in {"=", "in"}:
            return has_label
        return lambda issue: bool(issue.labels) and not has_label(issue)
    getter = _GETTERS[field_name]
    if clause.operator in {"=", "in"}:
        return lambda issue: getter(issue) in wanted
    if field_name in {"assignee", "reporter", "resolution", "priority"}:
        # Jira's != never matches an empty field.
        return lambda issue: getter(issue) is not None and getter(issue) not in wanted
    return lambda issue: getter(issue) not in wanted


# "An issue with key 'X' does not exist for field 'key'." in the searching account's
# profile language (Jira localises errorMessages by the user's locale). The German and
# French texts are close renderings, not copied from Jira's language packs (unverified);
# what matters for a client is that only the key stays fixed, the words around it don't.
_MISSING_KEY = {
    "en": "An issue with key '{key}' does not exist for field '{field}'.",
    "de": "Ein Vorgang mit dem Schlüssel '{key}' ist für das Feld '{field}' nicht vorhanden.",
    "fr": "Un ticket avec la clé « {key} » n'existe pas pour le champ « {field} ».",
}


def missing_key_message(key: str, field: str, locale: str = "en_US") -> str:
    template = _MISSING_KEY.get(locale.split("_")[0].lower(), _MISSING_KEY["en"])
    return template.format(key=key, field=field)


_GETTERS: dict[str, Callable[[Issue], Any]] = {
    "project": lambda i: i.project,
    "key": lambda i: i.id,
    "status": lambda i: i.status,
    "statusCategory": lambda i: STATUS_BY_ID[i.status].category,
    "resolution": lambda i: i.resolution,
    "priority": lambda i: i.priority,
    "issuetype": lambda i: i.issuetype,
    "assignee": lambda i: i.assignee,
    "reporter": lambda i: i.reporter,
}

_EMPTY_TESTS: dict[str, Predicate] = {
    "labels": lambda i: not i.labels,
    "resolution": lambda i: i.resolution is None,
    "priority": lambda i: not i.priority,
    "assignee": lambda i: i.assignee is None,
    "reporter": lambda i: not i.reporter,
    "summary": lambda i: not i.summary,
    "description": lambda i: not i.description,
    "created": lambda i: False,
    "updated": lambda i: False,
    "duedate": lambda i: i.duedate is None,
    "resolutiondate": lambda i: i.resolutiondate is None,
}


def _resolve(field_name: str, written: str, value: Value, context: JqlContext) -> Any:
    """The stored representation a value in the query stands for (or JqlError)."""
    text = value.text
    lowered = text.lower()
    state = context.state

    def missing() -> JqlError:
        return JqlError(f"The value '{text}' does not exist for the field '{written}'.")

    if value.function is not None:
        if value.function == "currentuser" and field_name in {"assignee", "reporter"}:
            return context.current_user
        raise JqlError(
            f"A value provided by the function '{value.text}' is invalid for the field '{written}'."
        )
    if field_name == "project":
        project = state.project(text)
        if project is None:
            project = next((p for p in state.projects.values() if p.name.lower() == lowered), None)
        if project is None:
            raise missing()
        return project.key
    if field_name == "key":
        issue = state.issue(text)
        if issue is None:
            if text.isdigit():
                raise JqlError(missing_key_message(text, "id", context.locale))
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*-\d+", text):
                raise JqlError(f"The issue key '{text}' for field '{written}' is invalid.")
            raise JqlError(missing_key_message(text, written, context.locale))
        return issue.id
    if field_name == "labels":
        return text
    if field_name == "status":
        status = STATUS_BY_NAME.get(lowered) or STATUS_BY_ID.get(text)
        if status is None:
            raise missing()
        return status.id
    if field_name == "statusCategory":
        for key, (cat_id, _, _, name) in STATUS_CATEGORIES.items():
            if lowered in {key, name.lower(), str(cat_id)}:
                return key
        raise missing()
    if field_name == "resolution":
        if lowered == "unresolved":
            return None
        resolution = RESOLUTION_BY_NAME.get(lowered) or RESOLUTION_BY_ID.get(text)
        if resolution is None:
            raise missing()
        return resolution[0]
    if field_name == "priority":
        priority = PRIORITY_BY_NAME.get(lowered) or PRIORITY_BY_ID.get(text)
        if priority is None:
            raise missing()
        return priority[0]
    if field_name == "issuetype":
        issue_type = ISSUE_TYPE_BY_NAME.get(lowered) or ISSUE_TYPE_BY_ID.get(text)
        if issue_type is None:
            raise missing()
        return issue_type[0]
    # assignee / reporter
    user = state.user_by_account(text) if context.cloud else None
    if user is None:
        user = state.user_by_name(text)
        if user is not None and context.cloud and lowered != user.email.lower():
            user = None  # Cloud (GDPR strict) accepts account ids and e-mail, not usernames
    if user is None:
        raise JqlError(
            f"The value '{text}' does not exist for the field '{written}'."
            if context.cloud
            else f"The user '{text}' does not exist and cannot be used in the '{written}' field."
        )
    return user.account_id


def _compile_text(clause: Clause, field_name: str) -> Predicate:
    needle = clause.values[0].text.strip('"').lower()

    def text_of(issue: Issue) -> str:
        if field_name == "summary":
            return issue.summary.lower()
        if field_name == "description":
            return (issue.description or "").lower()
        comments = " ".join(c.body for c in issue.comments)
        return f"{issue.summary} {issue.description or ''} {comments}".lower()

    if clause.operator == "~":
        return lambda issue: needle in text_of(issue)
    return lambda issue: needle not in text_of(issue)


_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_PERIOD = re.compile(r"^([+-]?)((?:\s*\d+\s*[wdhm])+)$", re.IGNORECASE)
_PERIOD_PART = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


def parse_date_literal(value: Value, written: str, context: JqlContext) -> datetime:
    """A JQL date value as an instant. Literals are wall times in the searching
    account's profile time zone, as Jira reads them (a repeated DST hour means its
    first occurrence, fold 0)."""
    if value.function == "now":
        return context.now
    if value.function == "startofday":
        local = context.now.astimezone(context.zone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    if value.function is not None:
        raise JqlError(
            f"A value provided by the function '{value.text}' is invalid for the field '{written}'."
        )
    text = value.text.strip()
    for fmt in _DATE_FORMATS:
        try:
            wall = datetime.strptime(text, fmt).replace(tzinfo=context.zone)
            return wall.astimezone(UTC)
        except ValueError:
            continue
    if re.fullmatch(r"\d{9,}", text):
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    period = _PERIOD.match(text)
    if period:
        delta = timedelta()
        for amount, unit in _PERIOD_PART.findall(period.group(2)):
            delta += timedelta(**{_UNITS[unit.lower()]: int(amount)})
        return context.now - delta if period.group(1) == "-" else context.now + delta
    raise JqlError(
        f"Date value '{value.text}' for field '{written}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', "
        "or a period format e.g. '-5d', '4w 2d'."
    )


_RANGE_OPERATORS = frozenset({"<", "<=", ">", ">="})


def _compile_key_range(clause: Clause, context: JqlContext) -> Predicate:
    """`issuekey > "ENG-5"`: the issues of the key's project whose number compares so.

    Jira compares issue keys within one project only, by number: no issue of another
    project matches, and `ORDER BY issuekey` sorts the same way (ENG-10 after ENG-9).
    The key must name an existing issue, as for `=` (assumed for the range operators:
    a client paging by key has to cope with its last key being deleted either way).
    """
    value = clause.values[0]
    named = context.state.issues[_resolve("key", clause.field, value, context)]
    # As written (an old key of a moved issue still means its old project), an id as the
    # issue's key.
    written = named.key if value.text.isdigit() else value.text.upper()
    project, _, number = written.rpartition("-")
    compare = _COMPARE[clause.operator]
    bound = int(number)

    def matches(issue: Issue) -> bool:
        return issue.project == project and compare(_key_number(issue.key), bound)

    return matches


def _key_number(key: str) -> int:
    return int(key.rsplit("-", 1)[1])


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compile_date(clause: Clause, field_name: str, context: JqlContext) -> Predicate:
    instant = parse_date_literal(clause.values[0], clause.field, context)
    compare = _COMPARE[clause.operator]
    if field_name == "duedate":
        day = instant.date().isoformat()
        return lambda issue: issue.duedate is not None and compare(issue.duedate, day)

    # Stored stamps are UTC "2025-01-01T10:00:00.000+0000": their first 16 characters
    # compare as minutes, which is Jira's precision, without parsing every issue.
    minute = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")

    def matches(issue: Issue) -> bool:
        stamp = getattr(issue, field_name)
        return stamp is not None and compare(stamp[:16], minute)

    return matches
