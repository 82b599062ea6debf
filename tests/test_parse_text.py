"""An item's action text holds the action only: link words, URLs and status notes stay out.

Every excerpt is an item as written in a public postmortem vendored in tests/corpus
(sources and licences in tests/corpus/SOURCES.md); the file is named in each test.
"""

from __future__ import annotations

from tracker.model import ActionItem, Status
from tracker.parse import parse_text
from tracker.parse.identity import item_id


def only_item(markdown: str) -> ActionItem:
    doc = parse_text(markdown, "pm.md")
    assert len(doc.items) == 1, [item.action for item in doc.items]
    return doc.items[0]


def test_a_link_labelled_issue_is_a_ticket_not_words_of_the_action() -> None:
    # mybinder__2018-07-08-podsnips-aplenty.md
    item = only_item(
        "## Action items\n\n1. set up notifications of downtime "
        "([issue](https://github.com/jupyterhub/mybinder.org-deploy/issues/611))\n"
    )
    assert item.action == "set up notifications of downtime"
    assert [t.key for t in item.tickets] == ["jupyterhub/mybinder.org-deploy#611"]


def test_a_link_word_closing_the_sentence_is_left_out() -> None:
    # datahub__2017-02-24-proxy-death-incident.md
    item = only_item(
        "## Action items\n\n1. Reduce the interval at which the hub checks to see if the "
        "proxy is running. [PR](https://github.com/data-8/jupyterhub-k8s/pull/123)\n"
    )
    assert (
        item.action == "Reduce the interval at which the hub checks to see if the proxy is running."
    )


def test_github_issue_link_words_are_left_out() -> None:
    # mybinder__2018-03-26-no-space-left.md
    item = only_item(
        "## Action items\n\n1. Enable SMTP for alerts from grafana metrics "
        "[GitHub Issue](https://github.com/jupyterhub/mybinder.org-deploy/issues/365)\n"
    )
    assert item.action == "Enable SMTP for alerts from grafana metrics"


def test_a_link_word_before_the_fields_write_back_adds_is_left_out() -> None:
    # mybinder__2018-01-17-ubuntu-upgrade.md, with the due date and owner tracker writes
    item = only_item(
        "## Action items\n\n- Separate python version from distro version "
        "[Issue](https://github.com/jupyterhub/repo2docker/issues/185)"
        " — owner: @sam, due: 2026-01-31\n"
    )
    assert item.action == "Separate python version from distro version"
    assert [t.key for t in item.tickets] == ["jupyterhub/repo2docker#185"]
    assert item.owners == ["@sam"]
    assert str(item.due) == "2026-01-31"


def test_a_link_word_before_a_chinese_field_is_left_out() -> None:
    # Not from the corpus: a Chinese item as write-back leaves it after a link word
    item = only_item("## 改进措施\n\n- 增加监控 [链接](https://wiki.example.com/x)，负责人：@王\n")
    assert item.action == "增加监控"
    assert item.owners == ["@王"]


def test_a_link_word_before_other_words_after_a_dash_stays() -> None:
    # mybinder__2018-01-17-ubuntu-upgrade.md, with words that are no field after the dash
    item = only_item(
        "## Action items\n\n- Keep our own apt mirror "
        "[Issue](https://github.com/jupyterhub/mybinder.org-deploy/issues/295) — see notes\n"
    )
    assert item.action == "Keep our own apt mirror Issue"


def test_a_dropped_link_leaves_the_writers_space_before_punctuation_elsewhere() -> None:
    # deepseek-harness__0002-js-expression-disabled-filesystem-tools.zh.md, with a ticket
    # link written after it: the space before `!!js` is the writer's, not the link's
    item = only_item(
        "## 已添加的防护措施\n\n- [`AGENTS.md`](../../AGENTS.md) 与 "
        "[Cordis 入门](../cordis-primer.md#loader-configuration)明确说明 `!!js` 仅在插件 "
        "`config` 内有效，条件式组合应使用 overlay。 "
        "([ENG-77](https://jira.example.com/browse/ENG-77))\n"
    )
    assert item.action == (
        "AGENTS.md 与 Cordis 入门明确说明 !!js 仅在插件 config 内有效，条件式组合应使用 overlay。"
    )
    assert [t.key for t in item.tickets] == ["ENG-77"]


def test_the_space_a_dropped_link_leaves_before_punctuation_goes() -> None:
    # datahub__2017-02-24-proxy-death-incident.md, with a space before the full stop
    item = only_item(
        "## Action items\n\n1. Reduce the interval at which the hub checks "
        "[PR](https://github.com/data-8/jupyterhub-k8s/pull/123) .\n"
    )
    assert item.action == "Reduce the interval at which the hub checks."


def test_a_link_word_inside_a_sentence_stays() -> None:
    # datahub__2017-02-24-autoscaler-incident.md
    item = only_item(
        "## Action items\n\n1. This is noted in the comments of the "
        "[pull request](https://github.com/data-8/jupyterhub-k8s/pull/111) for the Autoscaler.\n"
    )
    assert item.action == "This is noted in the comments of the pull request for the Autoscaler."


def test_a_ticket_label_inside_a_sentence_stays() -> None:
    # mybinder__2018-03-31-server-start-fail.md
    item = only_item(
        "## Action items\n\n1. Improve the alerting so that a majority of the team is notified "
        "when there's an outage. (currently blocking on "
        "[#365](https://github.com/jupyterhub/mybinder.org-deploy/issues/365))\n"
    )
    assert item.action.endswith("(currently blocking on #365)")


def test_a_bare_url_closing_the_text_is_left_out() -> None:
    # 2i2c__2020-10-28-memory-overload.md
    item = only_item(
        "## Action items\n\n1. Setup better Grafana dashboards to monitor resource usage "
        "https://github.com/2i2c-org/infrastructure/issues/92\n"
    )
    assert item.action == "Setup better Grafana dashboards to monitor resource usage"
    assert [t.key for t in item.tickets] == ["2i2c-org/infrastructure#92"]


def test_see_and_a_url_in_brackets_go_together() -> None:
    # 2i2c__2025-08-12-leap-outage.md
    item = only_item(
        "## Action items\n\n- [ ] Upgrade jupyterhub-home-nfs, and remove nfs-share-creator job "
        "(see https://github.com/2i2c-org/jupyterhub-home-nfs/pull/34).\n"
    )
    assert item.action == "Upgrade jupyterhub-home-nfs, and remove nfs-share-creator job."


def test_a_ticket_url_inside_a_sentence_becomes_its_key() -> None:
    # datahub__2017-03-23-kernel-deaths-incident.md
    item = only_item(
        "## Action items\n\n1. Continue investigating "
        "https://github.com/jupyterhub/kubespawner/issues/31, which was the core issue.\n"
    )
    assert (
        item.action == "Continue investigating jupyterhub/kubespawner#31, which was the core issue."
    )


def test_a_url_that_is_no_ticket_stays_inside_its_bracket() -> None:
    # dfds__PM2021-011-log4shell.md
    item = only_item(
        "## Action items\n\n- Setup an automated inventory system for AWS resources "
        "(for example <https://github.com/darkbitio/aws-recon>)\n"
    )
    assert item.action.endswith("(for example https://github.com/darkbitio/aws-recon)")


def test_a_reference_style_ticket_link_resolves_to_its_definition() -> None:
    # univaf__2021-06-29--actions-budget-terraform-state.md
    item = only_item(
        "## Action items\n\n- Document how to build manually ([#294][issue-294]).\n\n"
        "[issue-294]: https://github.com/usdigitalresponse/univaf/issues/294\n"
    )
    assert [t.key for t in item.tickets] == ["usdigitalresponse/univaf#294"]
    assert item.action == "Document how to build manually."


def test_a_reference_link_defined_after_the_list_is_the_items_ticket() -> None:
    # mybinder__2022-01-27-prime-version.md
    item = only_item(
        "## Action items\n\n1. Fix bug preventing prime cluster's version from being updated "
        "while it is full ([pull request][fix-pr])\n\n"
        "[fix-pr]: https://github.com/jupyterhub/mybinder.org-deploy/pull/2113\n"
    )
    assert [t.key for t in item.tickets] == ["jupyterhub/mybinder.org-deploy#2113"]
    assert item.action.endswith("while it is full")


def test_a_wrapped_chinese_line_joins_without_a_space() -> None:
    # huat-fsac-guidance-astro__retrospective_improvement.md's own sentence ("about:"),
    # written as an item hard-wrapped between two Chinese characters.
    item = only_item("## 改进行动\n\n- 记录阶段复盘结论\n  并沉淀改进动作\n")
    assert item.action == "记录阶段复盘结论并沉淀改进动作"


def test_a_line_wrapped_after_full_width_punctuation_joins_without_a_space() -> None:
    # paddle-community__code_style_flake8_milestone_summary.md:53-57: the plan's lines
    # break after 、 before a Latin word.
    item = only_item(
        "## 下一步计划\n\n- 引入 [ruff](https://x.invalid/ruff)、\n[xdoctest](https://x.invalid/x) 等工具\n"
    )
    assert item.action == "引入 ruff、xdoctest 等工具"


def test_a_dropped_link_leaves_the_writers_own_empty_brackets_alone() -> None:
    # deepseek-harness__0003-web-agent-gui-feedback-loop.zh.md:44, with a ticket link
    # written after it: the code span's `Server.listen()` keeps its brackets.
    item = only_item(
        "## 已添加的防护措施\n\n- 插桩 `Server.listen()`，确保不会漏检。"
        " [ENG-3](https://jira.example.com/browse/ENG-3)\n"
    )
    assert item.action == "插桩 Server.listen()，确保不会漏检。"


def test_a_title_prefix_in_brackets_is_kept() -> None:
    # wshobson-agents__postmortem-writing-SKILL.md's placeholder, as an item's text
    item = only_item("## Action items\n\n- [Incident] 5 Whys Analysis\n")
    assert item.action == "[Incident] 5 Whys Analysis"


def test_a_trailing_done_note_is_the_status_and_not_the_text() -> None:
    # dfds__PM2023-001-total-node-failure.md
    item = only_item(
        "## Action items\n\n- Implement guards against invalid container runtime selection (done)\n"
    )
    assert item.status is Status.DONE
    assert item.action == "Implement guards against invalid container runtime selection"


def test_a_bold_done_during_the_incident_note_is_done() -> None:
    # univaf__2021-06-03--database-full.md
    item = only_item(
        "## Action items\n\n- Set up CloudWatch alarms for database resources. "
        "**(Done during this incident)**\n"
    )
    assert item.status is Status.DONE
    assert item.action == "Set up CloudWatch alarms for database resources"


def test_done_in_a_tool_is_done() -> None:
    # mybinder__2018-02-20-jupyterlab-announcement.md
    item = only_item(
        '## Action items\n\n- "we should also monitor and alert on jupyterhub process > 70% CPU" '
        "(monitoring done [in grafana](https://grafana.mybinder.org/dashboard/db/x))\n"
    )
    assert item.status is Status.DONE
    assert item.action == '"we should also monitor and alert on jupyterhub process > 70% CPU"'


def test_a_leading_check_mark_is_the_status() -> None:
    # posthog__2026-01-17-replay-sdk-fetch-wrapper-incident.md
    item = only_item("## Action items\n\n- ✅ Adding comprehensive integration tests\n")
    assert item.status is Status.DONE
    assert item.action == "Adding comprehensive integration tests"


def test_a_remark_in_brackets_is_no_status() -> None:
    # mybinder__2018-01-18-reddit-hug.md: "active" is a status word, the remark is not one
    item = only_item(
        "## Action items\n\n- Run the py.tests constantly and actively alert us when they fail "
        "(active monitoring)\n"
    )
    assert item.status is Status.OPEN
    assert item.action.endswith("(active monitoring)")


def test_this_has_been_done_in_a_sub_bullet_is_done() -> None:
    # mybinder__2018-01-18-ssl-outdated.md
    item = only_item(
        "## Action items\n\n- Instead, use a shared google groups email account so we all get "
        "pinged\n  - This has been done: binder-team@googlegroups.com\n"
    )
    assert item.status is Status.DONE


def test_work_in_progress_prose_is_in_progress() -> None:
    # dfds__PM2019-009-ip-starvation.md
    item = only_item(
        "## Action items\n\n- **Make sure all deployed resources have a plan for monitoring / "
        "scaling**: This is a work in progress and we will start revising all our components\n"
    )
    assert item.status is Status.IN_PROGRESS


def test_a_checkbox_wins_over_a_note_in_the_text() -> None:
    # 2i2c__2025-08-12-leap-outage.md's checkbox list, an item noted done but not ticked
    item = only_item("## Action items\n\n- [ ] Write an incident report (done)\n")
    assert item.status is Status.OPEN


def test_a_note_in_the_action_cell_counts_when_the_table_has_no_status() -> None:
    # mybinder__2018-02-22-nginx-down.md's item, in an action table
    item = only_item(
        "## Action items\n\n| Action | Owner |\n| --- | --- |\n"
        "| Make sure that everybody gets emailed when the site goes down (DONE) | @choldgraf |\n"
    )
    assert item.status is Status.DONE
    assert item.action == "Make sure that everybody gets emailed when the site goes down"


def test_an_item_read_with_its_link_word_before_a_field_keeps_that_id_as_its_earlier_id() -> None:
    # Read before as "… Issue" (the link word stayed when a field followed it): the store
    # renames that row to the new id (tracker.store.earlier_ids), no second ticket.
    markdown = (
        "## Action items\n\n- Keep our own apt mirror "
        "[Issue](https://github.com/jupyterhub/mybinder.org-deploy/issues/295) — owner: @sam\n"
    )
    item = only_item(markdown)
    assert item.action == "Keep our own apt mirror"
    assert item.earlier_id == item_id("pm.md", "Keep our own apt mirror Issue", 0)


def test_the_previous_releases_id_is_kept_when_the_text_changed() -> None:
    # mybinder__2018-07-08-podsnips-aplenty.md
    doc = parse_text(
        "## Action items\n\n1. automate scale-down "
        "([issue](https://github.com/jupyterhub/mybinder.org-deploy/issues/646))\n"
        "2. set up notifications of downtime\n",
        "pm.md",
    )
    changed, same = doc.items
    assert changed.earlier_id is not None and changed.earlier_id != changed.id
    assert same.earlier_id is None
