"""Message templates: a notice's subject and text per language, with placeholders.

Templates are data (message_templates; seeded, versioned) rendered in a sandbox, so a template
can only read the values it is given. Every placeholder a template may use is listed in
PLACEHOLDERS; a template naming another fails when it is loaded, not when a message is sent.
"""

import functools
from dataclasses import dataclass
from datetime import datetime

from jinja2 import StrictUndefined, Template, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from workflow.models import MessageTemplate

# What a message may say: the case by its reference, never personal data; a one-time code
# only in its own SMS.
PLACEHOLDERS = {
    "code": "an account's 6-digit one-time code (phone_code only)",
    "minutes": "how many minutes a one-time code is valid",
    "reference": "the case's reference (申报号)",
    "policy": "the policy's name",
    "status": "the case's status",
    "window": "the window's code",
    "date": "the date the notice is about (answer due, new deadline, due date)",
    "items": "what to correct, one line each",
    "days": "working days added by an extension",
    "rating": "the service rating given",
    "title": "a broadcast's subject, as its author wrote it",
    "body": "a broadcast's text, as its author wrote it",
    "new": "digest: cases waiting to be accepted",
    "due_today": "digest: cases due today",
    "yellow": "digest: cases close to their deadline",
    "red": "digest: cases past their deadline",
}
SAMPLE = {
    "code": "402917",
    "minutes": 10,
    "reference": "YH-20261127-7K3Q9DMX",
    "policy": "购房补贴",
    "status": "in_review",
    "window": "W01",
    "date": "2026-12-18",
    "items": ["身份证复印件不清晰", "缺少劳动合同"],
    "days": 10,
    "rating": 2,
    "title": "新版购房补贴政策发布",
    "body": "自 2027 年 1 月 1 日起施行。",
    "new": 3,
    "due_today": 1,
    "yellow": 2,
    "red": 0,
}
_ENVIRONMENT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class TemplateProblem(ValueError):
    """A template that does not parse, or names a value messages do not carry."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    version: int


def check(source: str) -> None:
    """Raise TemplateProblem if `source` cannot be rendered from PLACEHOLDERS."""
    try:
        names = meta.find_undeclared_variables(_ENVIRONMENT.parse(source))
    except TemplateError as error:
        reason = (getattr(error, "message", None) or str(error)).splitlines()[0]
        raise TemplateProblem(f"does not parse ({reason})") from None
    unknown = sorted(names - PLACEHOLDERS.keys())
    if unknown:
        raise TemplateProblem(f"unknown placeholder {', '.join(unknown)}")


def render(template: "Words", values: dict) -> Rendered:
    return Rendered(
        _render(template.subject, values).strip(), _render(template.text, values), template.version
    )


def _render(source: str, values: dict) -> str:
    return _compiled(source).render(**values)


@functools.lru_cache(maxsize=1024)
def _compiled(source: str) -> Template:
    # Compiling costs about a hundred times what rendering does; a template's text is its key,
    # so a new version is compiled when it is first used.
    return _ENVIRONMENT.from_string(source)


@dataclass(frozen=True)
class Words:
    """One version of a notice's words in one language, as rendering needs it."""

    code: str
    language: str
    version: int
    subject: str
    text: str
    created_at: datetime


# The newest words of every notice, kept per process with the highest template id they were
# read at. Templates only ever gain rows (an edit is a new version), so that id changes with
# every edit: one look at it (an index's last entry) replaces reading them all for each message.
_kept: dict = {"stamp": None, "words": {}}
_STAMP = select(func.max(MessageTemplate.__table__.c.id))


def latest(session: OrmSession, codes: set[str]) -> dict[tuple[str, str], Words]:
    """The newest version of each (code, language) among `codes`."""
    if not codes:
        return {}
    stamp = session.connection().execute(_STAMP).scalar()
    if stamp != _kept["stamp"]:
        _kept["words"] = _newest(session)
        _kept["stamp"] = stamp
    return {key: words for key, words in _kept["words"].items() if key[0] in codes}


def _newest(session: OrmSession) -> dict[tuple[str, str], Words]:
    newest = (
        select(MessageTemplate.code, MessageTemplate.language, func.max(MessageTemplate.version))
        .group_by(MessageTemplate.code, MessageTemplate.language)
        .subquery()
    )
    rows = session.scalars(
        select(MessageTemplate).join(
            newest,
            (MessageTemplate.code == newest.c.code)
            & (MessageTemplate.language == newest.c.language)
            & (MessageTemplate.version == newest.c[2]),
        )
    )
    return {
        (row.code, row.language): Words(
            row.code, row.language, row.version, row.subject, row.text, row.created_at
        )
        for row in rows
    }
