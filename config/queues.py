"""Queue and task names, spelled once. A test checks that every name here is used."""


class QueueNames:
    PRECHECK = "precheck"
    OUTBOX = "outbox"
    SWEEPS = "sweeps"
    NOTIFICATIONS = "notifications"

    @classmethod
    def all(cls) -> list[str]:
        return [cls.PRECHECK, cls.OUTBOX, cls.SWEEPS, cls.NOTIFICATIONS]


class TaskNames:
    PRECHECK_APPLICATIONS = "applications.precheck"
    RELAY_OUTBOX = "outbox.relay"
    SWEEP_DEADLINES = "deadlines.sweep"
    DISPATCH_NOTIFICATIONS = "notifications.dispatch"
    DELIVER_NOTIFICATIONS = "notifications.deliver"
    SWEEP_NOTIFICATIONS = "notifications.sweep"
    NOTIFY_WINDOW = "notifications.window"
    START_DIGEST = "notifications.digest"
    ANONYMISE_EXPIRED = "retention.anonymise"

    @classmethod
    def all(cls) -> list[str]:
        return [
            cls.PRECHECK_APPLICATIONS,
            cls.RELAY_OUTBOX,
            cls.SWEEP_DEADLINES,
            cls.DISPATCH_NOTIFICATIONS,
            cls.DELIVER_NOTIFICATIONS,
            cls.SWEEP_NOTIFICATIONS,
            cls.NOTIFY_WINDOW,
            cls.START_DIGEST,
            cls.ANONYMISE_EXPIRED,
        ]


TASK_QUEUES = {
    TaskNames.PRECHECK_APPLICATIONS: QueueNames.PRECHECK,
    TaskNames.RELAY_OUTBOX: QueueNames.OUTBOX,
    TaskNames.SWEEP_DEADLINES: QueueNames.SWEEPS,
    TaskNames.DISPATCH_NOTIFICATIONS: QueueNames.NOTIFICATIONS,
    TaskNames.DELIVER_NOTIFICATIONS: QueueNames.NOTIFICATIONS,
    TaskNames.SWEEP_NOTIFICATIONS: QueueNames.SWEEPS,
    TaskNames.NOTIFY_WINDOW: QueueNames.NOTIFICATIONS,
    TaskNames.START_DIGEST: QueueNames.SWEEPS,
    TaskNames.ANONYMISE_EXPIRED: QueueNames.SWEEPS,
}
# Tasks whose ids go one per message rather than in batches: a window's share of a fan-out is
# its own task.
ONE_PER_MESSAGE = frozenset({TaskNames.NOTIFY_WINDOW})
