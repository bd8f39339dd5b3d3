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

    @classmethod
    def all(cls) -> list[str]:
        return [
            cls.PRECHECK_APPLICATIONS,
            cls.RELAY_OUTBOX,
            cls.SWEEP_DEADLINES,
            cls.DISPATCH_NOTIFICATIONS,
            cls.DELIVER_NOTIFICATIONS,
            cls.SWEEP_NOTIFICATIONS,
        ]


TASK_QUEUES = {
    TaskNames.PRECHECK_APPLICATIONS: QueueNames.PRECHECK,
    TaskNames.RELAY_OUTBOX: QueueNames.OUTBOX,
    TaskNames.SWEEP_DEADLINES: QueueNames.SWEEPS,
    TaskNames.DISPATCH_NOTIFICATIONS: QueueNames.NOTIFICATIONS,
    TaskNames.DELIVER_NOTIFICATIONS: QueueNames.NOTIFICATIONS,
    TaskNames.SWEEP_NOTIFICATIONS: QueueNames.SWEEPS,
}
