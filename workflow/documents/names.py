"""The sender's file name: shown back to people, never used as a path (files are stored under
random names). A name that tries to be a path, or holds control characters, is refused so the
sender learns of it; the rest is kept as sent, NFC-normalised."""

import unicodedata

from workflow.documents.content import EXTENSIONS, KIND, refuse

MAX_NAME_LENGTH = 255


def clean_file_name(name: str | None, content_type: str) -> str:
    """The display name, or a refusal naming `file`."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise refuse("The file has no name.")
    if len(name) > MAX_NAME_LENGTH:
        raise refuse(f"The file name is longer than {MAX_NAME_LENGTH} characters.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        raise refuse("The file name holds control characters.")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise refuse("The file name must be a name, not a path (no '/', '\\' or '..').")
    if not name.lower().endswith(EXTENSIONS[content_type]):
        raise refuse(
            f"The file is {KIND[content_type]} but its name does not say so: name it "
            f"{' or '.join(EXTENSIONS[content_type])}."
        )
    return name
