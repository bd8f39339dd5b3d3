"""Queue and task names, spelled once. A test checks that every name here is used."""


class QueueNames:
    PRECHECK = "precheck"
    OUTBOX = "outbox"
    SWEEPS = "sweeps"

    @classmethod
    def all(cls) -> list[str]:
        return [cls.PRECHECK, cls.OUTBOX, cls.SWEEPS]


class TaskNames:
    PRECHECK_APPLICATIONS = "applications.precheck"
    RELAY_OUTBOX = "outbox.relay"
    SWEEP_DEADLINES = "deadlines.sweep"

    @classmethod
    def all(cls) -> list[str]:
        return [cls.PRECHECK_APPLICATIONS, cls.RELAY_OUTBOX, cls.SWEEP_DEADLINES]


TASK_QUEUES = {
    TaskNames.PRECHECK_APPLICATIONS: QueueNames.PRECHECK,
    TaskNames.RELAY_OUTBOX: QueueNames.OUTBOX,
    TaskNames.SWEEP_DEADLINES: QueueNames.SWEEPS,
}
