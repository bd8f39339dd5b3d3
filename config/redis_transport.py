"""kombu's Redis transport, with one mend: a worker that loses Redis while it holds
unacknowledged messages (a task running, others prefetched) stays up.

kombu 5.7 tears the connection down first and then, closing the channel, tries to put those
messages back on the queue through the connection it has just dropped: an AttributeError that
stops the worker for good. Here the channel skips that restore when its connection is gone. The
messages were in the Redis that was lost anyway, or stay in its unacknowledged set, from which
any consumer restores them after the visibility timeout; the outbox relay and the notification
sweep replay their work well before (the database holds every piece of work).

Used by every Celery app of the project for redis:// and rediss:// brokers (config/celery.py).
"""

from kombu.transport import redis


class QoS(redis.QoS):
    def restore_unacked(self, client=None):
        transport = self.channel.connection
        if transport is None or transport.client is None:
            return None  # the connection is gone: nothing can be restored through it
        return super().restore_unacked(client)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
