"""Message templates: a notice's subject and text per language, with placeholders.

Templates are data (message_templates; seeded, versioned) rendered in a sandbox, so a template
can only read the values it is given. Every placeholder a template may use is listed in
PLACEHOLDERS; a template naming another fails when it is loaded, not when a message is sent.
"""

from dataclasses import dataclass

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from workflow.models import MessageTemplate

# What a message may say: the case by its reference, never personal data.
PLACEHOLDERS = {
    "reference": "the case's reference (申报号)",
    "policy": "the policy's name",
    "status": "the case's status",
    "window": "the window's code",
    "date": "the date the notice is about (answer due, new deadline, due date)",
    "items": "what to correct, one line each",
    "days": "working days added by an extension",
    "rating": "the service rating given",
}
SAMPLE = {
    "reference": "YH-20261127-7K3Q9DMX",
    "policy": "购房补贴",
    "status": "in_review",
    "window": "W01",
    "date": "2026-12-18",
    "items": ["身份证复印件不清晰", "缺少劳动合同"],
    "days": 10,
    "rating": 2,
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
        raise TemplateProblem(f"does not parse ({error})") from None
    unknown = sorted(names - PLACEHOLDERS.keys())
    if unknown:
        raise TemplateProblem(f"unknown placeholder {', '.join(unknown)}")


def render(template: MessageTemplate, values: dict) -> Rendered:
    return Rendered(
        _render(template.subject, values).strip(), _render(template.text, values), template.version
    )


def _render(source: str, values: dict) -> str:
    return _ENVIRONMENT.from_string(source).render(**values)


def latest(session: OrmSession, codes: set[str]) -> dict[tuple[str, str], MessageTemplate]:
    """The newest version of each (code, language) among `codes`."""
    if not codes:
        return {}
    newest = (
        select(MessageTemplate.code, MessageTemplate.language, func.max(MessageTemplate.version))
        .where(MessageTemplate.code.in_(codes))
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
    return {(row.code, row.language): row for row in rows}
