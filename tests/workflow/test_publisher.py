"""The background publisher: every id handed over leaves exactly once, and a stream of
hand-overs shares messages while a lone one is not held back."""

import threading
import time

from workflow import publisher as publisher_module
from workflow.publisher import MESSAGE_BATCH, BackgroundPublisher

TASK = "precheck"


class Recorder:
    def __init__(self) -> None:
        self.messages: list[list[int]] = []
        self.lock = threading.Lock()

    def __call__(self, task: str, ids: list[int]) -> None:
        assert task == TASK
        with self.lock:
            self.messages.append(list(ids))

    def ids(self) -> list[int]:
        return sorted(i for message in self.messages for i in message)


def _publisher(recorder: Recorder) -> BackgroundPublisher:
    publisher = BackgroundPublisher()
    publisher.bind(recorder)
    return publisher


def test_a_stream_of_hand_overs_shares_messages_and_loses_none():
    recorder = Recorder()
    publisher = _publisher(recorder)
    for outbox_id in range(1, 201):  # back to back, as from a loaded API process
        publisher.hand_over([(TASK, outbox_id)])
    assert publisher.flush()
    assert recorder.ids() == list(range(1, 201))
    assert len(recorder.messages) < 200 / 4
    assert max(len(message) for message in recorder.messages) <= MESSAGE_BATCH


def test_a_lone_hand_over_is_sent_without_lingering(monkeypatch):
    # A linger longer than the flush timeout: were the lone id held back, flush would time out.
    monkeypatch.setattr(publisher_module, "LINGER_SECONDS", 60.0)
    recorder = Recorder()
    publisher = _publisher(recorder)
    publisher.hand_over([(TASK, 1)])
    assert publisher.flush(timeout=10.0)
    assert recorder.messages == [[1]]


def test_a_full_message_leaves_without_waiting_out_the_linger(monkeypatch):
    # A lingering publisher is not woken by every hand-over, only once a message is full: were
    # that wake missing, the ids below would wait out the (here 60 s) linger.
    monkeypatch.setattr(publisher_module, "LINGER_SECONDS", 60.0)
    monkeypatch.setattr(publisher_module, "STREAM_GAP_SECONDS", 60.0)  # every later id streams
    recorder = Recorder()
    publisher = _publisher(recorder)
    publisher.hand_over([(TASK, 1)])  # a lone id leaves at once
    assert publisher.flush(timeout=10.0)
    publisher.hand_over([(TASK, 2)])  # part of a stream: the publisher lingers for more
    time.sleep(0.2)
    for outbox_id in range(3, MESSAGE_BATCH + 2):  # the message fills up
        publisher.hand_over([(TASK, outbox_id)])
    assert publisher.flush(timeout=10.0)
    assert recorder.messages == [[1], list(range(2, MESSAGE_BATCH + 2))]


def test_a_failed_publish_leaves_the_rows_to_the_relay_and_opens_the_breaker():
    calls = []

    def broken(task: str, ids: list[int]) -> None:
        calls.append(ids)
        raise ConnectionError("broker down")

    publisher = BackgroundPublisher()
    publisher.bind(broken, breaker_seconds=60.0)
    publisher.hand_over([(TASK, 1)])
    assert publisher.flush()
    publisher.hand_over([(TASK, 2)])
    assert publisher.flush()
    assert calls == [[1]]  # the second was not even tried while the breaker is open
