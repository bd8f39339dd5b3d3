"""The notification seed (seed/notifications.yaml), checked whole before anything is written:
every rule names a notice some transition gives, to a recipient it gives it to, on a known
channel; every notice a rule sends has its words in every language, naming the case by its
reference. A problem raises SeedError naming the file and the entry, as for the other seeds.
"""

from dataclasses import dataclass
from pathlib import Path

from workflow.notifications import (
    ACCOUNT_NOTICES,
    CHANNELS,
    LANGUAGES,
    NOTICES,
    WEBHOOK,
    WINDOW_NOTICES,
)
from workflow.notifications.templates import TemplateProblem, check
from workflow.seed_validation import (
    Keys,
    Where,
    check_keys,
    check_text,
    check_unique,
    label,
    read_seed,
    where_of,
)

NOTIFICATION_KEYS = Keys(("rules", "templates"))
NOTIFICATION_RULE_KEYS = Keys(("kind", "recipient", "channels"))
TEMPLATE_KEYS = Keys(("code", *LANGUAGES))
TEMPLATE_TEXT_KEYS = Keys(("subject", "text"))


@dataclass(frozen=True)
class NotificationSeed:
    rules: list[tuple[str, str, str]]  # (kind, recipient, channel)
    templates: list[dict]  # code, then per language: subject and text


def load_notification_seed(seed_dir: Path) -> NotificationSeed:
    """The rule table and the templates, or SeedError for the first problem found."""
    where = where_of(seed_dir, "notifications")
    content = read_seed(seed_dir, "notifications")
    check_keys(where, content, NOTIFICATION_KEYS)
    rules: list[tuple[str, str, str]] = []
    for index, rule in enumerate(_list_of(where, content, "rules")):
        _check_notification_rule(where.at(f"rules[{index}]"), rule, rules)
    templates, seen = [], {}
    for index, template in enumerate(_list_of(where, content, "templates")):
        at = where.at(label("templates", index, template, "code"))
        check_keys(at, template, TEMPLATE_KEYS)
        if template["code"] not in NOTICES:
            at.fail(f"unknown notice kind {template['code']!r}")
        check_unique(at, seen, template["code"], index, "templates")
        for language in LANGUAGES:
            about_a_case = template["code"] not in WINDOW_NOTICES | ACCOUNT_NOTICES
            _check_template_text(at.at(language), template[language], about_a_case)
        templates.append(template)
    for kind in sorted({kind for kind, _, _ in rules} - seen.keys()):
        where.fail(f"rules send {kind} but templates has no entry for it")
    for kind in sorted(ACCOUNT_NOTICES - seen.keys()):
        where.fail(f"templates has no entry for {kind}, which accounts are sent")
    return NotificationSeed(rules, templates)


def _check_notification_rule(at: Where, rule, rules: list) -> None:
    """Check one entry and add its (kind, recipient, channel) lines to `rules`."""
    check_keys(at, rule, NOTIFICATION_RULE_KEYS)
    kind, recipient, channels = rule["kind"], rule["recipient"], rule["channels"]
    if kind not in NOTICES:
        at.fail(f"unknown notice kind {kind!r}")
    if recipient not in NOTICES[kind]:
        at.fail(f"{kind} never goes to {recipient!r} (only {', '.join(sorted(NOTICES[kind]))})")
    if not isinstance(channels, list) or not channels:
        at.fail("channels must be a non-empty list")
    for channel in channels:
        if channel not in CHANNELS:
            at.fail(f"unknown channel {channel!r}")
        if channel == WEBHOOK and recipient != "window":
            at.fail("only a window has a webhook")
        if (kind, recipient, channel) in rules:
            at.fail(f"duplicate rule for {kind} to {recipient} on {channel}")
        rules.append((kind, recipient, channel))


def _list_of(where: Where, content: dict, key: str) -> list:
    if not isinstance(content[key], list) or not content[key]:
        where.fail(f"{key} must be a non-empty list")
    return content[key]


def _check_template_text(at: Where, words, about_a_case: bool) -> None:
    check_keys(at, words, TEMPLATE_TEXT_KEYS)
    for key in ("subject", "text"):
        check_text(at, words, key)
        try:
            check(words[key])
        except TemplateProblem as problem:
            at.fail(f"{key} {problem}")
    if about_a_case and "{{ reference }}" not in words["subject"] + words["text"]:
        at.fail("must name the case by {{ reference }}")
