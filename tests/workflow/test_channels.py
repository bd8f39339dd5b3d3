"""Channel adapters against real local servers (tests/sinks.py): no mocks, no database."""

import email
import email.policy
import json
import time
from types import SimpleNamespace

import pytest

from tests.sinks import SmsProviderStandIn, SmtpSink, WebhookReceiver, unused_port
from workflow.notifications.channels import (
    FileEmailChannel,
    FileSmsChannel,
    HttpSmsChannel,
    Outcome,
    Outgoing,
    Result,
    SmtpChannel,
    WebhookChannel,
    channels_from_settings,
)
from workflow.notifications.channels.email import parse_smtp_url
from workflow.notifications.signatures import sign_body, sign_webhook, signature_matches

EMAIL = "zhang.wei@example.cn"
PHONE = "+8613900000001"
SUBJECT = "您的人才认定申请已受理"
TEXT = "张伟，您好：您的申请（编号 YH-2026-0042）已受理，请留意后续通知。"
SECRET = "partner-secret"


def outgoing(to: str = EMAIL, reference: str = "yh-n-42", **overrides) -> Outgoing:
    fields = {"subject": SUBJECT, "text": TEXT, "payload": {}, "secret": None} | overrides
    return Outgoing(reference=reference, to=to, **fields)


def assert_private(result: Result, message: Outgoing) -> None:
    """The detail goes to the attempts log: no destination, no text, no secret."""
    for personal in (message.to, message.text, message.subject, EMAIL, PHONE, "13900000001"):
        assert personal not in result.detail
    if message.secret:
        assert message.secret not in result.detail


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def provider():
    with SmsProviderStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def receiver():
    with WebhookReceiver() as stand_in:
        yield stand_in


# Email -----------------------------------------------------------------------------------------


def test_email_arrives_with_chinese_subject_and_text_and_the_same_message_id_each_time(smtp_sink):
    channel = SmtpChannel(smtp_sink.url, timeout=5)
    message = outgoing()

    results = [channel.send(message), channel.send(message)]

    assert [r.outcome for r in results] == [Outcome.DELIVERED, Outcome.DELIVERED]
    first, second = smtp_sink.messages
    assert first.rcpt_tos == [EMAIL]
    assert first.mail_from == "noreply@yanhu.gov.cn"
    assert first.message["Subject"] == SUBJECT
    assert first.message.get_content().rstrip() == TEXT
    assert first.message["Message-ID"] == "<yh-n-42@yanhu.gov.cn>"
    assert second.message["Message-ID"] == first.message["Message-ID"]
    for result in results:
        assert_private(result, message)


def test_email_sender_comes_from_the_url(smtp_sink):
    channel = SmtpChannel(f"{smtp_sink.url}?from=talent%40yanhu.gov.cn", timeout=5)
    assert channel.send(outgoing()).outcome is Outcome.DELIVERED
    assert smtp_sink.messages[0].message["From"] == "talent@yanhu.gov.cn"


@pytest.mark.parametrize(
    ("code", "stage", "outcome"),
    [
        (451, "RCPT", Outcome.TEMPORARY),
        (550, "RCPT", Outcome.PERMANENT),
        (452, "DATA", Outcome.TEMPORARY),
        (554, "DATA", Outcome.PERMANENT),
    ],
)
def test_email_refusals_are_classified_by_code(smtp_sink, code, stage, outcome):
    smtp_sink.fail_next(code, stage=stage)
    message = outgoing()

    result = SmtpChannel(smtp_sink.url, timeout=5).send(message)

    assert (result.outcome, result.detail) == (outcome, f"smtp {code}")
    assert smtp_sink.messages == []
    assert_private(result, message)


def test_email_is_delivered_on_the_attempt_after_a_temporary_refusal(smtp_sink):
    smtp_sink.fail_next(451)
    channel = SmtpChannel(smtp_sink.url, timeout=5)
    assert channel.send(outgoing()).outcome is Outcome.TEMPORARY
    assert channel.send(outgoing()).outcome is Outcome.DELIVERED
    assert len(smtp_sink.messages) == 1


def test_email_keeps_its_connection_and_opens_a_new_one_when_the_server_dropped_it():
    with SmtpSink() as first:
        channel = SmtpChannel(first.url, timeout=5)
        assert channel.send(outgoing(reference="yh-n-1")).outcome is Outcome.DELIVERED
        kept = channel._smtp
        assert channel.send(outgoing(reference="yh-n-2")).outcome is Outcome.DELIVERED
        assert channel._smtp is kept and len(first.messages) == 2  # one connection, two messages
        port = first.port
    with SmtpSink(port=port) as again:  # the server restarted: the kept connection is dead
        assert channel.send(outgoing(reference="yh-n-3")).outcome is Outcome.DELIVERED
        assert [m.message["Message-ID"] for m in again.messages] == ["<yh-n-3@yanhu.gov.cn>"]


def test_email_requiring_starttls_from_a_server_without_it_is_permanent(smtp_sink):
    result = SmtpChannel(f"{smtp_sink.url}?starttls=true", timeout=5).send(outgoing())
    assert result == Result(Outcome.PERMANENT, "smtp extension not supported")
    assert smtp_sink.messages == []


def test_email_to_a_closed_port_is_temporary():
    message = outgoing()
    result = SmtpChannel(f"smtp://127.0.0.1:{unused_port()}", timeout=2).send(message)
    assert (result.outcome, result.detail) == (Outcome.TEMPORARY, "connection refused")
    assert_private(result, message)


@pytest.mark.parametrize(
    "to", ["not-an-address", "a@b.cn, c@d.cn", "张伟 <a@b.cn>", "a@b.cn\r\nBcc: x@y.cn"]
)
def test_malformed_email_address_is_permanent_and_never_sent(smtp_sink, tmp_path, to):
    message = outgoing(to=to)
    for channel in (SmtpChannel(smtp_sink.url, timeout=5), FileEmailChannel(tmp_path)):
        result = channel.send(message)
        assert (result.outcome, result.detail) == (Outcome.PERMANENT, "malformed email address")
    assert smtp_sink.messages == []
    assert not list(tmp_path.rglob("*.eml"))


@pytest.mark.parametrize("subject", ["受理\r\nBcc: x@y.cn", "Accepted\nBcc: x@y.cn"])
def test_a_subject_with_a_line_break_is_permanent_and_never_sent(smtp_sink, tmp_path, subject):
    message = outgoing(subject=subject)
    for channel in (SmtpChannel(smtp_sink.url, timeout=5), FileEmailChannel(tmp_path)):
        result = channel.send(message)
        assert (result.outcome, result.detail) == (Outcome.PERMANENT, "malformed message")
    assert smtp_sink.messages == []
    assert not list(tmp_path.rglob("*.eml"))


def test_an_english_text_goes_as_it_is_and_a_long_line_encoded(smtp_sink):
    channel = SmtpChannel(smtp_sink.url, timeout=5)
    short, long = "Your case YH-1 was accepted.\nSee the portal.", "word " * 40
    for number, text in enumerate((short, long)):
        assert channel.send(outgoing(reference=f"yh-n-{number}", text=text)).outcome == "delivered"
    plain, encoded = (sent.message for sent in smtp_sink.messages)
    assert plain["Content-Transfer-Encoding"] == "7bit"
    assert plain.get_content().splitlines() == short.splitlines()
    assert encoded["Content-Transfer-Encoding"] == "base64"
    assert encoded.get_content().rstrip() == long.rstrip()


def test_smtp_url_is_parsed_and_a_bad_one_is_refused_without_quoting_it():
    server = parse_smtp_url("smtp://mail%40yanhu:p%3Ass%40w@mail.example.cn:587?starttls=true")
    assert (server.host, server.port, server.user, server.password, server.starttls) == (
        "mail.example.cn", 587, "mail@yanhu", "p:ss@w", True,
    )  # fmt: skip
    assert parse_smtp_url("smtp://mail.example.cn").port == 25
    for bad in (
        "http://mail.example.cn",
        "smtp://",
        "smtp://u:hunter2@h:99999",
        "smtp://h?startls=1",
    ):
        with pytest.raises(ValueError, match="SMTP_URL") as raised:
            SmtpChannel(bad, timeout=5)
        assert "hunter2" not in str(raised.value)


# SMS -------------------------------------------------------------------------------------------


def test_sms_accepted_with_the_provider_id(provider):
    message = outgoing(to=PHONE)

    result = HttpSmsChannel(provider.url, timeout=5).send(message)

    assert result == Result(Outcome.ACCEPTED, "http 202", "sms-1")
    assert provider.requests == [{"to": PHONE, "text": TEXT, "reference": "yh-n-42"}]
    assert_private(result, message)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(503, Outcome.TEMPORARY), (500, Outcome.TEMPORARY), (429, Outcome.TEMPORARY),
     (400, Outcome.PERMANENT), (401, Outcome.PERMANENT)],
)  # fmt: skip
def test_sms_failures_are_classified_by_status(provider, status, outcome):
    provider.script = [status]
    message = outgoing(to=PHONE)

    result = HttpSmsChannel(provider.url, timeout=5).send(message)

    assert result == Result(outcome, f"http {status}")
    assert_private(result, message)


def test_sms_provider_hanging_past_the_timeout_is_temporary():
    with SmsProviderStandIn(hang_seconds=2) as provider:
        message = outgoing(to=PHONE)
        started = time.monotonic()

        result = HttpSmsChannel(provider.url, timeout=0.5).send(message)

        assert (result.outcome, result.detail) == (Outcome.TEMPORARY, "timeout")
        assert time.monotonic() - started < 1.5
        assert_private(result, message)


def test_sms_retried_after_a_lost_answer_is_accepted_once(provider):
    """The first answer is lost to the timeout but the provider took it; the retry carries the
    same reference, so the provider keeps one message and answers with the same id."""
    provider.hang_seconds = 1
    channel = HttpSmsChannel(provider.url, timeout=0.3)
    message = outgoing(to=PHONE)

    assert channel.send(message).outcome is Outcome.TEMPORARY
    provider.hang_seconds = 0
    retry = channel.send(message)

    assert retry == Result(Outcome.ACCEPTED, "http 202", "sms-1")
    assert provider.accepted == {"yh-n-42": "sms-1"}
    assert len(provider.requests) == 2


def test_sms_same_reference_twice_is_accepted_once_and_others_get_new_ids(provider):
    channel = HttpSmsChannel(provider.url, timeout=5)
    ids = [channel.send(outgoing(to=PHONE, reference=r)).provider_id for r in ("a", "a", "b")]
    assert ids == ["sms-1", "sms-1", "sms-2"]
    assert provider.accepted == {"a": "sms-1", "b": "sms-2"}
    assert len(provider.requests) == 3


def test_sms_to_a_closed_port_is_temporary():
    message = outgoing(to=PHONE)
    result = HttpSmsChannel(f"http://127.0.0.1:{unused_port()}/", timeout=2).send(message)
    assert (result.outcome, result.detail) == (Outcome.TEMPORARY, "connection refused")


@pytest.mark.parametrize("to", ["13900000001", "+86 139 0000 0001", "+8613900000001\n", ""])
def test_malformed_phone_number_is_permanent_and_never_sent(provider, tmp_path, to):
    message = outgoing(to=to)
    for channel in (HttpSmsChannel(provider.url, timeout=5), FileSmsChannel(tmp_path)):
        result = channel.send(message)
        assert (result.outcome, result.detail) == (Outcome.PERMANENT, "malformed phone number")
    assert provider.requests == []
    assert not list(tmp_path.rglob("*.json"))


# Webhook ---------------------------------------------------------------------------------------


def test_webhook_is_signed_so_the_receiver_can_verify_it_and_detect_tampering(receiver):
    payload = {"event": "application.accepted", "application": 42, "status": "已受理"}
    message = outgoing(to=receiver.url, payload=payload, secret=SECRET)

    result = WebhookChannel(timeout=5).send(message)

    assert result == Result(Outcome.DELIVERED, "http 200")
    assert_private(result, message)
    (request,) = receiver.requests
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-yanhu-reference"] == "yh-n-42"
    assert request.body == json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    assert json.loads(request.body) == payload
    timestamp = int(request.headers["x-yanhu-timestamp"])
    assert abs(time.time() - timestamp) < 60
    given = request.headers["x-yanhu-signature"]
    assert signature_matches(sign_webhook(SECRET, timestamp, request.body), given)
    tampered = request.body.replace(b"42", b"43")
    assert not signature_matches(sign_webhook(SECRET, timestamp, tampered), given)
    assert not signature_matches(sign_webhook(SECRET, timestamp + 1, request.body), given)
    assert not signature_matches(sign_webhook("wrong", timestamp, request.body), given)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(500, Outcome.TEMPORARY), (503, Outcome.TEMPORARY), (429, Outcome.TEMPORARY),
     (404, Outcome.PERMANENT), (410, Outcome.PERMANENT), (204, Outcome.DELIVERED)],
)  # fmt: skip
def test_webhook_answers_are_classified_by_status(receiver, status, outcome):
    receiver.script = [status]
    result = WebhookChannel(timeout=5).send(outgoing(to=receiver.url, secret=SECRET))
    assert result == Result(outcome, f"http {status}")


def test_webhook_retries_carry_the_same_reference(receiver):
    receiver.script = [503]
    channel = WebhookChannel(timeout=5)
    message = outgoing(to=receiver.url, payload={"n": 1}, secret=SECRET)
    assert [channel.send(message).outcome for _ in range(2)] == [
        Outcome.TEMPORARY,
        Outcome.DELIVERED,
    ]
    assert {r.headers["x-yanhu-reference"] for r in receiver.requests} == {"yh-n-42"}


def test_webhook_hanging_or_refusing_connections_is_temporary():
    with WebhookReceiver(hang_seconds=2) as receiver:
        result = WebhookChannel(timeout=0.5).send(outgoing(to=receiver.url, secret=SECRET))
        assert (result.outcome, result.detail) == (Outcome.TEMPORARY, "timeout")
    closed = f"http://127.0.0.1:{unused_port()}/hook"
    result = WebhookChannel(timeout=2).send(outgoing(to=closed, secret=SECRET))
    assert (result.outcome, result.detail) == (Outcome.TEMPORARY, "connection refused")


def test_webhook_without_secret_or_with_a_bad_url_is_permanent_and_never_sent(receiver):
    channel = WebhookChannel(timeout=5)
    assert channel.send(outgoing(to=receiver.url)) == Result(Outcome.PERMANENT, "no webhook secret")
    for url in ("ftp://example.cn/hook", "not a url", "http://"):
        result = channel.send(outgoing(to=url, secret=SECRET))
        assert result == Result(Outcome.PERMANENT, "malformed webhook url")
    assert receiver.requests == []


# Files (the embedded default) ------------------------------------------------------------------


def test_file_email_is_one_complete_message_per_reference(tmp_path, smtp_sink):
    channel = FileEmailChannel(tmp_path)
    message = outgoing()

    results = [channel.send(message), channel.send(message)]

    assert [r.outcome for r in results] == [Outcome.DELIVERED, Outcome.DELIVERED]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["email", "yh-n-42.eml"]
    written = (tmp_path / "email" / "yh-n-42.eml").read_bytes()
    parsed = email.message_from_bytes(written, policy=email.policy.default)
    assert parsed["Message-ID"] == "<yh-n-42@yanhu.gov.cn>"
    assert parsed["Subject"] == SUBJECT
    assert parsed["To"] == EMAIL
    assert parsed.get_content().rstrip() == TEXT
    # The same builder as SMTP: the sink receives the same headers.
    SmtpChannel(smtp_sink.url, timeout=5).send(message)
    sent = smtp_sink.messages[0].message
    assert [(k, v) for k, v in sent.items() if k != "Date"] == [
        (k, v) for k, v in parsed.items() if k != "Date"
    ]
    for result in results:
        assert_private(result, message)


def test_file_sms_is_one_document_per_reference(tmp_path):
    channel = FileSmsChannel(tmp_path)
    message = outgoing(to=PHONE)

    results = [
        channel.send(message),
        channel.send(message),
        channel.send(outgoing(PHONE, "yh-n-43")),
    ]

    assert [r.outcome for r in results] == [Outcome.DELIVERED] * 3
    assert sorted(p.name for p in (tmp_path / "sms").iterdir()) == ["yh-n-42.json", "yh-n-43.json"]
    document = json.loads((tmp_path / "sms" / "yh-n-42.json").read_text(encoding="utf-8"))
    assert document == {"to": PHONE, "text": TEXT, "reference": "yh-n-42"}
    for result in results:
        assert_private(result, message)


def test_file_write_failure_is_temporary(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the directory should be")
    result = FileSmsChannel(blocked).send(outgoing(to=PHONE))
    assert result == Result(Outcome.TEMPORARY, "file write failed")


# Settings, references, signatures --------------------------------------------------------------


def test_channels_from_settings_fall_back_to_files_and_use_servers_when_configured(tmp_path):
    embedded = channels_from_settings(SimpleNamespace(OUTBOX_DIR=tmp_path))
    assert [type(c) for c in embedded.values()] == [
        FileEmailChannel,
        FileSmsChannel,
        WebhookChannel,
    ]
    assert embedded["email"].directory == tmp_path / "email"
    assert channels_from_settings(object())["sms"].directory.name == "sms"

    configured = channels_from_settings(
        {"SMTP_URL": "smtp://mail.example.cn", "SMS_PROVIDER_URL": "https://sms.example.cn/send",
         "DELIVERY_TIMEOUT_SECONDS": 2}
    )  # fmt: skip
    assert [type(c) for c in configured.values()] == [SmtpChannel, HttpSmsChannel, WebhookChannel]
    assert configured["email"].timeout == 2.0
    assert {name: channel.name for name, channel in configured.items()} == {
        "email": "email", "sms": "sms", "webhook": "webhook",
    }  # fmt: skip
    with pytest.raises(ValueError, match="SMS_PROVIDER_URL"):
        channels_from_settings(SimpleNamespace(SMS_PROVIDER_URL="sms.example.cn"))


def test_reference_must_be_safe_for_a_file_name_and_a_message_id():
    for bad in ("", "../etc/passwd", "yh n 1", "a/b", "<x>"):
        with pytest.raises(ValueError):
            outgoing(reference=bad)
    assert repr(outgoing(secret=SECRET)) == "Outgoing(reference='yh-n-42')"


def test_signatures():
    body = '{"状态":"已送达"}'.encode()
    assert sign_body("k", body).startswith("sha256=")
    assert len(sign_body("k", body)) == len("sha256=") + 64
    assert sign_webhook("k", 1, body) != sign_body("k", body)
    assert signature_matches(sign_body("k", body), sign_body("k", body))
    for given in (None, "", "sha256=", "garbage", sign_body("k", body + b" "), "sha256=ü", 42):
        assert not signature_matches(sign_body("k", body), given)
