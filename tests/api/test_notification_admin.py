"""What admins change about notifications (broadcasts, the rule table, the words of the
notices; each recorded) and the tasks a failed message leaves a window."""

import pytest
from sqlalchemy import delete, func, select, update

from tests.factories import auth, register, routed_case, run_dispatch, staff, user_id
from workflow.db import Session
from workflow.models import (
    AdminEvent,
    MessageTemplate,
    Notification,
    NotificationRule,
    OutboxMessage,
    Window,
    WindowTask,
)
from workflow.notifications.delivery import DeliveryPolicy
from workflow.notifications.windows import notify_window

BROADCASTS = "/api/v1/admin/broadcasts"
RULES = "/api/v1/admin/notification-rules"
TEMPLATE = "/api/v1/admin/templates/case_arrived"
WORDS = {"subject_zh": "新版购房补贴政策发布", "text_zh": "自 2027 年 1 月 1 日起施行。"}
NEW_RULE = {"kind": "case_routed", "recipient": "applicant", "channel": "sms"}
EDIT = {"language": "zh", "subject": "新案件 {{ reference }}", "text": "请受理。"}

POLICY = DeliveryPolicy(quiet_hours=None)  # claims the rows the windows' tasks write


@pytest.fixture(autouse=True)
def reference_data_restored(client):
    """Rules and templates are reference data, kept between tests: put them back as seeded."""
    session = Session()
    rules = dict(session.execute(select(NotificationRule.id, NotificationRule.active)).all())
    newest_template = session.scalar(select(func.max(MessageTemplate.id)))
    Session.remove()
    yield
    Session.remove()
    session = Session()
    session.execute(delete(NotificationRule).where(NotificationRule.id.not_in(rules)))
    for rule in session.scalars(select(NotificationRule)):
        rule.active = rules[rule.id]
    session.execute(delete(MessageTemplate).where(MessageTemplate.id > newest_template))
    session.commit()
    Session.remove()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", BROADCASTS, {"kind": "notice", **WORDS}),
        ("get", RULES, None),
        ("post", RULES, NEW_RULE),
        ("patch", f"{RULES}/1", {"active": False}),
        ("get", TEMPLATE, None),
        ("put", TEMPLATE, EDIT),
    ],
)
def test_only_admins_broadcast_and_see_or_change_rules_and_words(client, method, path, body):
    send = getattr(client, method)
    for token in (staff(client, "window_clerk", window="W03"), staff(client, "talent_office")):
        response = send(path, json=body, headers=auth(token))
        assert response.status_code == 403 and response.json["code"] == 403
    assert send(path, json=body).status_code == 401
    assert _records() == [] and _fan_out_tasks() == []


def _rows(query) -> list:
    rows = list(Session().scalars(query))
    Session.remove()
    return rows


def _records() -> list[AdminEvent]:
    return _rows(select(AdminEvent).order_by(AdminEvent.id))


def _rules(client, token) -> dict[tuple, dict]:
    rules = client.get(RULES, headers=auth(token)).json
    return {(rule["kind"], rule["recipient"], rule["channel"]): rule for rule in rules}


# Broadcasts


def _window_messages() -> list[str]:
    source = Notification.source.startswith("broadcast:")
    return _rows(select(Notification.recipient).where(source).order_by(Notification.recipient))


def _fan_out_tasks() -> list[OutboxMessage]:
    return _rows(select(OutboxMessage).where(OutboxMessage.task == "notifications.window"))


def test_a_broadcast_reaches_each_window_once(client):
    admin = staff(client, "admin")
    body = {"kind": "policy_version", **WORDS}
    response = client.post(BROADCASTS, json=body, headers=auth(admin))
    assert response.status_code == 202, response.json
    assert set(response.json) == {"id", "kind", "created_at", "windows"}
    assert response.json["kind"] == "policy_version" and response.json["windows"] == 23

    tasks = _fan_out_tasks()
    codes = _rows(select(Window.code).order_by(Window.code))
    assert sorted(task.payload["window"] for task in tasks) == codes and len(codes) == 23
    assert {task.payload["source"] for task in tasks} == {f"broadcast:{response.json['id']}"}
    [record] = _records()
    assert (record.action, record.subject, record.actor_id) == (
        "broadcast", "policy_version", user_id(admin),
    )  # fmt: skip

    ids = [task.id for task in tasks]
    assert notify_window(ids, POLICY) == ([], [])  # in-app rows only: nothing to send out
    assert _window_messages() == codes
    assert notify_window(ids, POLICY) == ([], [])  # already done
    # Even redelivered as new (as if the first run had not recorded it), nothing is written twice.
    waiting = update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(processed_at=None)
    Session().execute(waiting)
    Session().commit()
    notify_window(ids, POLICY)
    Session.remove()
    assert _window_messages() == codes  # one row a window still

    clerk = staff(client, "window_clerk", window="W05")
    [message] = client.get("/api/v1/notifications", headers=auth(clerk)).json["items"]
    assert message["body"]["subject"] == WORDS["subject_zh"]
    assert message["body"]["text"] == WORDS["text_zh"]


def test_a_rule_switched_off_stops_the_broadcast_on_that_channel(client):
    admin = staff(client, "admin")
    rule = _rules(client, admin)[("broadcast", "window", "in_app")]
    switched = client.patch(f"{RULES}/{rule['id']}", json={"active": False}, headers=auth(admin))
    assert switched.json["active"] is False
    response = client.post(BROADCASTS, json={"kind": "notice", **WORDS}, headers=auth(admin))
    assert response.status_code == 202
    assert notify_window([task.id for task in _fan_out_tasks()], POLICY) == ([], [])
    Session.remove()
    assert _window_messages() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**WORDS, "kind": "gossip"}, "kind"),
        (WORDS, "kind"),
        ({"kind": "notice", "text_zh": "x"}, "subject_zh"),
        ({"kind": "notice", **WORDS, "subject_zh": ""}, "subject_zh"),
        ({"kind": "notice", **WORDS, "subject_zh": "  "}, "subject_zh"),
        ({"kind": "notice", **WORDS, "subject_zh": "字" * 201}, "subject_zh"),
        ({"kind": "notice", **WORDS, "text_zh": "字" * 2001}, "text_zh"),
        ({"kind": "notice", **WORDS, "subject_en": "x" * 201}, "subject_en"),
        ({"kind": "notice", **WORDS, "text_en": ""}, "text_en"),
        ({"kind": "notice", **WORDS, "text_en": None}, "text_en"),
    ],
)
def test_a_bad_broadcast_is_422_naming_the_field(client, body, field):
    admin = staff(client, "admin")
    response = client.post(BROADCASTS, json=body, headers=auth(admin))
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert _fan_out_tasks() == [] and _records() == []


# A window's tasks


def _tasks(client, count: int = 1, window: str = "W03") -> list[int]:
    """`count` call_applicant tasks of `window`, each on a real message of a real case."""
    ids = []
    for _ in range(count):
        _, case_id = routed_case(client, window=window)
        run_dispatch()
        session = Session()
        of_case = select(Notification.id).where(Notification.application_id == case_id)
        notification_id = session.scalars(of_case).first()
        task = WindowTask(window_code=window, kind="call_applicant", application_id=case_id,
                          notification_id=notification_id)  # fmt: skip
        session.add(task)
        session.commit()
        ids.append(task.id)
        Session.remove()
    return ids


def _list(client, token, window="W03", query=""):
    return client.get(f"/api/v1/windows/{window}/tasks{query}", headers=auth(token))


def _done(client, token, task_id, window="W03"):
    return client.post(f"/api/v1/windows/{window}/tasks/{task_id}/done", headers=auth(token))


def test_a_clerk_lists_the_open_tasks_and_marks_one_done(client):
    [task_id] = _tasks(client)
    clerk = staff(client, "window_clerk", window="W03")
    [item] = _list(client, clerk).json["items"]
    assert set(item) == {
        "id", "kind", "application_id", "notification_id", "created_at", "done_at", "done_by",
    }  # fmt: skip
    assert (item["id"], item["kind"], item["done_at"]) == (task_id, "call_applicant", None)
    assert item["application_id"] and item["notification_id"]

    response = _done(client, clerk, task_id)
    assert response.status_code == 200, response.json
    assert response.json["done_at"] and response.json["done_by"] == user_id(clerk)
    assert _list(client, clerk).json["items"] == []
    [done] = _list(client, clerk, query="?open=false").json["items"]
    assert done == response.json


def test_done_twice_keeps_the_first_time_and_clerk(client):
    [task_id] = _tasks(client)
    clerk, colleague = (staff(client, "window_clerk", window="W03") for _ in range(2))
    first, again = _done(client, clerk, task_id), _done(client, colleague, task_id)
    assert again.status_code == 200 and again.json["done_by"] == user_id(clerk)
    assert again.json == first.json


def test_tasks_come_a_page_at_a_time_newest_first(client):
    ids = _tasks(client, 3)
    clerk = staff(client, "window_clerk", window="W03")
    first = _list(client, clerk, query="?limit=2").json
    assert [item["id"] for item in first["items"]] == ids[:0:-1]
    second = _list(client, clerk, query=f"?limit=2&cursor={first['next_cursor']}").json
    assert [item["id"] for item in second["items"]] == ids[:1] and second["next_cursor"] is None
    assert "cursor" in _list(client, clerk, query="?cursor=nonsense").json["errors"]
    assert "open" in _list(client, clerk, query="?open=perhaps").json["errors"]


def test_another_windows_tasks_are_404(client):
    [task_id] = _tasks(client)
    other = staff(client, "window_clerk", window="W04")
    assert _list(client, other).status_code == 404
    assert _done(client, other, task_id).status_code == 404
    assert _done(client, other, task_id, window="W04").status_code == 404  # not W04's task
    assert _done(client, other, 2147483647, window="W04").status_code == 404
    assert _list(client, other, window="W04").json["items"] == []


def test_the_talent_office_and_admins_read_any_window_but_mark_nothing(client):
    [task_id] = _tasks(client)
    for token in (staff(client, "admin"), staff(client, "talent_office")):
        assert [item["id"] for item in _list(client, token).json["items"]] == [task_id]
        assert _done(client, token, task_id).status_code == 403
        assert _list(client, token, window="W99").status_code == 404
    clerk = staff(client, "window_clerk", window="W03")
    assert _list(client, clerk).json["items"][0]["done_at"] is None


def test_roles_without_window_business_are_403(client):
    [task_id] = _tasks(client)
    applicant, _ = register(client)
    for token in (applicant, staff(client, "finance")):
        assert _list(client, token).status_code == 403
        assert _done(client, token, task_id).status_code == 403
    assert client.get("/api/v1/windows/W03/tasks").status_code == 401


# The rule table


def test_an_admin_adds_a_rule_and_switches_it_off_both_recorded(client):
    admin = staff(client, "admin")
    rules = _rules(client, admin)
    assert rules[("case_arrived", "window", "in_app")]["active"] is True
    key = tuple(NEW_RULE.values())
    assert key not in rules

    added = client.post(RULES, json=NEW_RULE, headers=auth(admin))
    assert added.status_code == 201, added.json
    assert added.json == {**NEW_RULE, "id": added.json["id"], "active": True}
    assert _rules(client, admin)[key] == added.json
    body, rule_path = {"active": False}, f"{RULES}/{added.json['id']}"
    switched = client.patch(rule_path, json=body, headers=auth(admin))
    assert switched.status_code == 200 and switched.json == {**added.json, "active": False}
    assert _rules(client, admin)[key]["active"] is False

    first, second = _records()
    assert (first.action, first.subject, first.actor_id) == (
        "add_notification_rule", "case_routed/applicant/sms", user_id(admin),
    )  # fmt: skip
    assert first.data == {"id": added.json["id"], "active": True}
    assert (second.action, second.data) == (
        "set_notification_rule_active", {"id": added.json["id"], "active": False, "previous": True},
    )  # fmt: skip


def test_a_rule_that_exists_is_409(client):
    admin = staff(client, "admin")
    body = {"kind": "case_arrived", "recipient": "window", "channel": "in_app", "active": False}
    response = client.post(RULES, json=body, headers=auth(admin))
    assert response.status_code == 409 and response.json["code"] == 409
    assert _rules(client, admin)[("case_arrived", "window", "in_app")]["active"] is True
    assert _records() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "case_gossip", "recipient": "window", "channel": "in_app"}, "kind"),
        ({"kind": "case_routed", "recipient": "window", "channel": "in_app"}, "recipient"),
        ({"kind": "case_routed", "recipient": "nobody", "channel": "in_app"}, "recipient"),
        ({"kind": "case_routed", "recipient": "applicant", "channel": "fax"}, "channel"),
        ({"kind": "case_routed", "recipient": "applicant", "channel": "webhook"}, "channel"),
        ({"kind": "deadline_red", "recipient": "talent_office", "channel": "webhook"}, "channel"),
        ({"recipient": "applicant", "channel": "sms"}, "kind"),
        ({"kind": "case_routed", "recipient": "applicant", "channel": "sms", "active": "yes?"},
         "active"),
    ],
)  # fmt: skip
def test_an_invalid_rule_is_422_naming_the_field(client, body, field):
    admin = staff(client, "admin")
    before = _rules(client, admin)
    response = client.post(RULES, json=body, headers=auth(admin))
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert _rules(client, admin) == before and _records() == []


def test_switching_needs_a_rule_and_a_boolean(client):
    admin = staff(client, "admin")
    rule_id = _rules(client, admin)[("case_arrived", "window", "in_app")]["id"]
    assert client.patch(f"{RULES}/2147483647", json={"active": False},
                        headers=auth(admin)).status_code == 404  # fmt: skip
    for body in ({}, {"active": "off?"}, {"active": None}):
        response = client.patch(f"{RULES}/{rule_id}", json=body, headers=auth(admin))
        assert response.status_code == 422 and "active" in response.json["errors"]
    assert _records() == []


# The words of the notices


def _words(client, token, code="case_arrived"):
    return client.get(f"/api/v1/admin/templates/{code}", headers=auth(token))


def _edit(client, token, code="case_arrived", **body):
    return client.put(f"/api/v1/admin/templates/{code}", json={**EDIT, **body}, headers=auth(token))


def test_each_edit_is_a_new_version_and_the_newest_is_used(client):
    admin = staff(client, "admin")
    seeded = {row["language"]: row for row in _words(client, admin).json}
    assert set(seeded) == {"zh", "en"} and seeded["zh"]["version"] == 1

    second = _edit(client, admin, text="第二版")
    third = _edit(client, admin, text="第三版 {{ window }}")
    assert second.status_code == third.status_code == 201, third.json
    assert (second.json["version"], third.json["version"]) == (2, 3)
    assert third.json["code"] == "case_arrived" and third.json["language"] == "zh"
    shown = {row["language"]: row for row in _words(client, admin).json}
    assert shown["zh"] == third.json and shown["en"] == seeded["en"]
    of_zh = (MessageTemplate.code == "case_arrived") & (MessageTemplate.language == "zh")
    versions = _rows(select(MessageTemplate.version).where(of_zh).order_by("version"))
    assert versions == [1, 2, 3]  # the older ones are kept
    assert [(row.action, row.subject, row.data) for row in _records()] == [
        ("edit_message_template", "case_arrived/zh", {"version": 2, "previous_version": 1}),
        ("edit_message_template", "case_arrived/zh", {"version": 3, "previous_version": 2}),
    ]

    # The next case that arrives is announced in the newest words.
    routed_case(client)
    run_dispatch()
    clerk = staff(client, "window_clerk", window="W03")
    [row] = client.get("/api/v1/notifications", headers=auth(clerk)).json["items"]
    assert row["body"]["template_version"] == 3 and row["body"]["text"] == "第三版 W03"


@pytest.mark.parametrize(
    ("body", "fields", "reason"),
    [
        ({"subject": "新案件 {{ reference "}, {"subject"}, "does not parse"),
        ({"text": "{% for x in items %}"}, {"text"}, "does not parse"),
        ({"text": "{{ id_number }}"}, {"text"}, "unknown placeholder id_number"),
        ({"text": "{{ reference.year }}"}, {"text"}, "UndefinedError"),  # parses, never renders
        ({"text": "{{ title.__class__ }}"}, {"text"}, "SecurityError"),  # the sandbox says no
        ({"subject": "新案件", "text": "{{ window }}"}, {"subject", "text"}, "{{ reference }}"),
        ({"subject": "   "}, {"subject"}, "blank"),
        ({"text": ""}, {"text"}, "Length"),
        ({"subject": "字" * 201}, {"subject"}, "Length"),
        ({"text": "字" * 2001}, {"text"}, "Length"),
        ({"language": "fr"}, {"language"}, "one of"),
        ({"language": None}, {"language"}, "null"),
    ],
)  # fmt: skip
def test_an_invalid_template_is_422_naming_the_field_and_why(client, body, fields, reason):
    admin = staff(client, "admin")
    response = _edit(client, admin, **body)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]
    assert set(errors) == fields and all(reason in errors[field][0] for field in fields), errors
    assert [row["version"] for row in _words(client, admin).json] == [1, 1]
    assert _records() == []


def test_a_window_notice_needs_no_reference_and_an_unknown_notice_is_404(client):
    admin = staff(client, "admin")
    words = {"language": "en", "subject": "{{ title }}", "text": "Notice: {{ body }}"}
    response = _edit(client, admin, code="broadcast", **words)
    assert response.status_code == 201 and response.json["version"] == 2, response.json
    assert _words(client, admin, code="case_gossip").status_code == 404
    assert _edit(client, admin, code="case_gossip").status_code == 404
