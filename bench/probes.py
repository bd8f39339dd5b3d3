"""Watching the database from the side: a separate autocommit connection the servers don't use."""

import time

import psycopg

from config.queues import TaskNames


class Probe:
    def __init__(self, libpq_url: str) -> None:
        self.connection = psycopg.connect(libpq_url, autocommit=True)

    def close(self) -> None:
        self.connection.close()

    def scalar(self, query: str, params: tuple = ()) -> int:
        return self.connection.execute(query, params).fetchone()[0]

    def pending_outbox(self) -> int:
        """Precheck work not yet done (the ix_outbox_pending index answers this)."""
        return self.scalar(
            "SELECT count(*) FROM outbox WHERE processed_at IS NULL AND failed_at IS NULL"
            " AND task = %s",
            (TaskNames.PRECHECK_APPLICATIONS,),
        )

    def wait_outbox_drained(self, timeout: float, poll: float = 0.05) -> float:
        """Waits until the worker has processed every precheck; returns the seconds it took."""
        began = time.perf_counter()
        while self.pending_outbox():
            if time.perf_counter() - began > timeout:
                raise TimeoutError(f"precheck backlog not drained in {timeout:.0f} s")
            time.sleep(poll)
        return time.perf_counter() - began

    def last_notification_id(self) -> int:
        return self.scalar("SELECT coalesce(max(id), 0) FROM notifications")

    def window_notification(self, window: str, after_id: int, application_id: int) -> int | None:
        """The window's notification row for this case, if it exists yet.

        Goes through ix_notifications_recipient (recipient_type, recipient, id), reading only the
        rows newer than `after_id`: notifications has no index on application_id.
        """
        row = self.connection.execute(
            "SELECT id FROM notifications WHERE recipient_type = 'window' AND recipient = %s"
            " AND id > %s AND application_id = %s LIMIT 1",
            (window, after_id, application_id),
        ).fetchone()
        return row[0] if row else None

    def still_submitted(self, first_id: int, last_id: int) -> int:
        """Cases in the id range still waiting for the precheck (ix_applications_status_id)."""
        return self.scalar(
            "SELECT count(*) FROM applications WHERE status = 'submitted' AND id BETWEEN %s AND %s",
            (first_id, last_id),
        )

    def window_notified(self, first_id: int, last_id: int) -> int:
        return self.scalar(
            "SELECT count(DISTINCT application_id) FROM notifications"
            " WHERE recipient_type = 'window' AND channel = 'in_app'"
            " AND application_id BETWEEN %s AND %s",
            (first_id, last_id),
        )
