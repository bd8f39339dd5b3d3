"""When a message may go: not during quiet hours for an applicant's SMS (held, then sent), and
not faster than its channel's rate limit, so a burst never trips a provider's own limit.

Limits are counted in a store every worker shares (Redis in production; in the embedded default
the one worker process counts for itself), over a moving window.
"""

import datetime as dt
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from config import LOCAL_TIMEZONE
from workflow.notifications import SMS


@dataclass(frozen=True)
class QuietHours:
    """Beijing hours in which an applicant gets no SMS: from `start` o'clock until `end` o'clock
    (the next morning when `end` is the smaller)."""

    start: int = 22
    end: int = 8

    def held_until(self, now: dt.datetime) -> dt.datetime | None:
        """The end of the quiet spell `now` falls in (UTC), or None outside it."""
        local = now.astimezone(LOCAL_TIMEZONE)
        hour = local.hour
        wraps = self.start > self.end
        if not (self.start <= hour or hour < self.end if wraps else self.start <= hour < self.end):
            return None
        day = local.date() if local.hour < self.end else local.date() + dt.timedelta(days=1)
        end = dt.datetime.combine(day, dt.time(self.end), tzinfo=LOCAL_TIMEZONE)
        return end.astimezone(dt.UTC)


def quiet_for(channel: str, audience: str | None) -> bool:
    # Only an applicant's case notices wait for the morning; a one-time code (audience
    # "account") is awaited by the person who asked for it.
    return channel == SMS and audience == "applicant"


class ChannelLimits:
    """Messages per second per channel; `wait(channel)` takes a slot, or says how long until one
    is free."""

    def __init__(self, per_second: dict[str, int], storage_url: str = "memory://") -> None:
        self._items = {
            channel: RateLimitItemPerSecond(rate) for channel, rate in per_second.items()
        }
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    def wait(self, channel: str) -> float:
        item = self._items.get(channel)
        if item is None or self._limiter.hit(item, "channel", channel):
            return 0.0
        reset = self._limiter.get_window_stats(item, "channel", channel).reset_time
        return max(0.05, reset - dt.datetime.now(dt.UTC).timestamp())
