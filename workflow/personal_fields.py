"""The rules for the personal fields people type in: phone numbers and names.

Strict on purpose: these values end up in SMS, letters and the audit trail, so a trailing
newline, a full-width digit or a hidden direction override must never get in. (Python's `\\d`
and `$` would let the first two through.) Identity numbers have their own module, identity.py.
"""

import re
import unicodedata

# Optional +86, then a mainland mobile number: 1, a second digit 3-9, nine more ASCII digits.
_MOBILE = re.compile(r"(?:\+86)?(1[3-9][0-9]{9})")
NAME_MAX_LENGTH = 64
# The middle dots that separate the parts of a transliterated name (阿卜杜·热合曼).
MIDDLE_DOTS = frozenset("\u00b7\u30fb\u2027\uff65")
_SEPARATORS = MIDDLE_DOTS | {" "}

PHONE_RULE = "An 11-digit mainland mobile number (ASCII digits, optionally after +86)."
NAME_RULE = (
    f"At most {NAME_MAX_LENGTH} characters: letters, with single spaces or middle dots (·)"
    " between the parts."
)


def normalise_phone(value: str) -> str | None:
    """The 11-digit canonical form, or None when it is not a mainland mobile number."""
    match = _MOBILE.fullmatch(value)
    return match.group(1) if match else None


def is_valid_name(value: str) -> bool:
    """Letters and combining marks in parts joined by one space or one middle dot."""
    if not 1 <= len(value) <= NAME_MAX_LENGTH:
        return False
    previous_was_separator = True  # so a name cannot start with one
    for char in value:
        if char in _SEPARATORS:
            if previous_was_separator:
                return False
            previous_was_separator = True
            continue
        category = unicodedata.category(char)
        if not (category[0] == "L" or (category[0] == "M" and not previous_was_separator)):
            return False
        previous_was_separator = False
    return not previous_was_separator
