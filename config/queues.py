"""Queue and task names, spelled once. A test checks that every name here is used."""


class QueueNames:
    PRECHECK = "precheck"
    OUTBOX = "outbox"

    @classmethod
    def all(cls) -> list[str]:
        return [cls.PRECHECK, cls.OUTBOX]


class TaskNames:
    PRECHECK_APPLICATIONS = "applications.precheck"
    RELAY_OUTBOX = "outbox.relay"

    @classmethod
    def all(cls) -> list[str]:
        return [cls.PRECHECK_APPLICATIONS, cls.RELAY_OUTBOX]


TASK_QUEUES = {
    TaskNames.PRECHECK_APPLICATIONS: QueueNames.PRECHECK,
    TaskNames.RELAY_OUTBOX: QueueNames.OUTBOX,
}
