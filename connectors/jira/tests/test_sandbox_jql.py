"""The sandbox's JQL subset, evaluated directly on a Jira state (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tracker_jira.sandbox.jql import JqlContext, JqlError, compile_jql, tokenize
from tracker_jira.sandbox.state import Issue, JiraState

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def site() -> JiraState:
    state = JiraState.seeded(("ENG", "OPS"))
    rows = [
        # key, labels, updated, status, assignee, duedate
        (
            "ENG-1",
            ["tracker-a", "postmortem"],
            "2026-11-20T09:00:00.000+0000",
            "10000",
            "alice",
            None,
        ),
        ("ENG-2", ["postmortem"], "2026-11-25T11:30:00.000+0000", "3", None, "2026-12-01"),
        ("OPS-1", ['say"hi'], "2026-11-24T12:00:59.999+0000", "10001", "bob", "2026-11-01"),
    ]
    for n, (key, labels, updated, status, who, due) in enumerate(rows):
        assignee = state.user_by_name(who).account_id if who else None  # type: ignore[union-attr]
        issue = Issue(
            id=str(10000 + n),
            key=key,
            project=key.split("-")[0],
            summary=f"Summary of {key}",
            issuetype="10001",
            created="2026-11-01T00:00:00.000+0000",
            updated=updated,
            reporter=state.users[0].account_id,
            labels=labels,
            status=status,
            assignee=assignee,
            duedate=due,
            resolution="10000" if status == "10001" else None,
        )
        state.issues[issue.id] = issue
        state.keys[key] = issue.id
    return state


STATE = site()


def keys(jql: str, *, cloud: bool = True) -> list[str]:
    context = JqlContext(STATE, NOW, STATE.users[1].account_id, cloud)
    query = compile_jql(jql, context)
    return [i.key for i in query.sort([i for i in STATE.issues.values() if query.predicate(i)])]


def test_project_equality_and_in() -> None:
    assert keys("project = ENG ORDER BY key") == ["ENG-1", "ENG-2"]
    assert keys("project in (ENG, OPS) ORDER BY key") == ["ENG-1", "ENG-2", "OPS-1"]
    assert keys("project != ENG") == ["OPS-1"]


def test_project_name_and_case_are_accepted() -> None:
    assert keys('project = "Operations"') == ["OPS-1"]
    assert keys("project = eng ORDER BY key") == ["ENG-1", "ENG-2"]


def test_key_in_and_numeric_id() -> None:
    assert keys("key in (ENG-2, OPS-1) ORDER BY key ASC") == ["ENG-2", "OPS-1"]
    assert keys("id = 10000") == ["ENG-1"]
    assert keys("issuekey not in (ENG-1) ORDER BY key") == ["ENG-2", "OPS-1"]


def numbered_site() -> JiraState:
    """ENG-1 … ENG-12 and OPS-1 … OPS-3: keys whose numbers sort unlike their text."""
    state = JiraState.seeded(("ENG", "OPS"))
    for n, key in enumerate([*(f"ENG-{i}" for i in range(1, 13)), "OPS-1", "OPS-2", "OPS-3"]):
        issue = Issue(
            id=str(20000 + n),
            key=key,
            project=key.split("-")[0],
            summary=key,
            issuetype="10001",
            created="2026-11-01T00:00:00.000+0000",
            updated="2026-11-01T00:00:00.000+0000",
            reporter=state.users[0].account_id,
            status="10000",
        )
        state.issues[issue.id] = issue
        state.keys[key] = issue.id
    return state


NUMBERED = numbered_site()


def numbered_keys(jql: str) -> list[str]:
    context = JqlContext(NUMBERED, NOW, NUMBERED.users[1].account_id, cloud=False)
    query = compile_jql(jql, context)
    return [i.key for i in query.sort([i for i in NUMBERED.issues.values() if query.predicate(i)])]


def test_order_by_issuekey_sorts_by_number_within_a_project() -> None:
    assert numbered_keys("project = ENG ORDER BY issuekey ASC")[-4:] == [
        "ENG-9",
        "ENG-10",
        "ENG-11",
        "ENG-12",
    ]


def test_a_key_range_compares_numbers_within_the_named_keys_project_only() -> None:
    assert numbered_keys('issuekey > "ENG-9" ORDER BY issuekey') == ["ENG-10", "ENG-11", "ENG-12"]
    assert numbered_keys("key <= ENG-2 ORDER BY key") == ["ENG-1", "ENG-2"]
    assert numbered_keys("issuekey < OPS-1") == []
    assert numbered_keys("project in (ENG, OPS) AND key >= OPS-2 ORDER BY key") == [
        "OPS-2",
        "OPS-3",
    ]


def test_a_key_range_naming_a_missing_issue_is_refused_like_equality() -> None:
    with pytest.raises(JqlError, match="ENG-99"):
        numbered_keys('issuekey > "ENG-99"')


def test_labels_equality_in_and_empty() -> None:
    assert keys("labels = postmortem ORDER BY key") == ["ENG-1", "ENG-2"]
    assert keys('labels in ("tracker-a", nothing)') == ["ENG-1"]
    assert keys("labels is EMPTY") == []
    assert keys("labels != postmortem") == ["OPS-1"]


def test_quoted_string_with_escaped_quote() -> None:
    assert keys(r'labels = "say\"hi"') == ["OPS-1"]
    assert keys(r"labels = 'say\"hi'") == ["OPS-1"]


def test_updated_since_at_minute_precision() -> None:
    assert keys('updated >= "2026/11/24 12:00" ORDER BY updated ASC') == ["OPS-1", "ENG-2"]
    assert keys('updated > "2026/11/24 12:00"') == ["ENG-2"]
    assert keys('updated >= "2026-11-25"') == ["ENG-2"]


def test_relative_dates_count_back_from_the_sandbox_clock() -> None:
    assert keys("updated >= -1d ORDER BY key") == ["ENG-2", "OPS-1"]
    assert keys('updated >= "-1h"') == ["ENG-2"]
    assert keys('updated < "-4d"') == ["ENG-1"]


def test_due_date_compares_by_day() -> None:
    assert keys('duedate < "2026-11-25"') == ["OPS-1"]
    assert keys("duedate is EMPTY") == ["ENG-1"]


def test_and_binds_tighter_than_or_and_parentheses_regroup() -> None:
    assert keys("project = OPS OR project = ENG AND labels = tracker-a ORDER BY key") == [
        "ENG-1",
        "OPS-1",
    ]
    assert keys("(project = OPS OR project = ENG) AND labels = tracker-a") == ["ENG-1"]
    assert keys("project = ENG AND NOT labels = tracker-a") == ["ENG-2"]


def test_status_category_and_resolution() -> None:
    assert keys("statusCategory = Done") == ["OPS-1"]
    assert keys('status = "In Progress"') == ["ENG-2"]
    assert keys("resolution = Unresolved ORDER BY key") == ["ENG-1", "ENG-2"]
    assert keys("resolution is not EMPTY") == ["OPS-1"]


def test_assignee_by_account_id_and_current_user() -> None:
    alice = STATE.user_by_name("alice").account_id  # type: ignore[union-attr]
    assert keys(f"assignee = {alice}") == ["ENG-1"]
    assert keys("assignee = currentUser()") == ["ENG-1"]
    assert keys("assignee is EMPTY") == ["ENG-2"]


def test_cloud_refuses_usernames_where_server_accepts_them() -> None:
    with pytest.raises(JqlError):
        keys("assignee = alice")
    assert keys("assignee = alice", cloud=False) == ["ENG-1"]


def test_order_by_several_fields() -> None:
    assert keys("project in (ENG, OPS) ORDER BY project DESC, key ASC") == [
        "OPS-1",
        "ENG-1",
        "ENG-2",
    ]


def test_text_contains() -> None:
    assert keys('summary ~ "of ENG-2"') == ["ENG-2"]


@pytest.mark.parametrize(
    "jql",
    [
        "project = ",
        "project = ENG AND OR labels = x",
        "(project = ENG",
        "project = ENG )",
        "labels = a b",
        "project = ENG ORDER key",
        "votes > 3",
        "key in (ENG-99)",
        "key = nonsense",
        "status = Blocked",
    ],
)
def test_anything_outside_the_subset_is_refused(jql: str) -> None:
    with pytest.raises(JqlError):
        keys(jql)


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_string_survives_jql_quoting(text: str) -> None:
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    tokens = tokenize(f"labels = {quoted}")
    assert [t.kind for t in tokens] == ["word", "op", "str", "end"]
    assert tokens[2].text == text


LABELS = ("a", "b", "c")
atoms = st.one_of(
    st.sampled_from(["ENG", "OPS"]).map(
        lambda p: (f"project = {p}", lambda i, p=p: i.project == p)
    ),
    st.sampled_from(LABELS).map(lambda x: (f"labels = {x}", lambda i, x=x: x in i.labels)),
)


def combine(children: st.SearchStrategy) -> st.SearchStrategy:
    pairs = st.tuples(children, children)
    return st.one_of(
        pairs.map(
            lambda t: (f"({t[0][0]} AND {t[1][0]})", lambda i, t=t: t[0][1](i) and t[1][1](i))
        ),
        pairs.map(lambda t: (f"({t[0][0]} OR {t[1][0]})", lambda i, t=t: t[0][1](i) or t[1][1](i))),
        children.map(lambda c: (f"NOT {c[0]}", lambda i, c=c: not c[1](i))),
    )


@given(
    query=st.recursive(atoms, combine, max_leaves=6),
    labelling=st.lists(st.sets(st.sampled_from(LABELS)), min_size=4, max_size=4),
)
def test_boolean_jql_agrees_with_python(query: tuple, labelling: list[set[str]]) -> None:
    state = JiraState.seeded(("ENG", "OPS"))
    for n, labels in enumerate(labelling):
        project = "ENG" if n % 2 == 0 else "OPS"
        issue = Issue(
            id=str(10000 + n),
            key=f"{project}-{n + 1}",
            project=project,
            summary="s",
            issuetype="10001",
            created="2026-11-01T00:00:00.000+0000",
            updated="2026-11-01T00:00:00.000+0000",
            reporter=state.users[0].account_id,
            labels=sorted(labels),
        )
        state.issues[issue.id] = issue
    jql, reference = query
    compiled = compile_jql(jql, JqlContext(state, NOW, state.users[0].account_id, cloud=True))
    issues = list(state.issues.values())
    assert [i.id for i in issues if compiled.predicate(i)] == [i.id for i in issues if reference(i)]
