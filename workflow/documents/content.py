"""What an uploaded file is, read from its bytes alone: a PDF, JPEG or PNG that opens cleanly and
carries nothing active. The sender's name and declared content type are not trusted.

Each refusal is an InvalidInput naming `file` and the reason, so the sender knows what to fix.
"""

import io
import warnings

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from workflow.errors import InvalidInput

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
_MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}
# The names each type may be sent under: a name that says otherwise is refused.
EXTENSIONS = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
KIND = {PDF: "a PDF", JPEG: "a JPEG image", PNG: "a PNG image"}

# Keys that make a PDF do something when opened or clicked: scripts, launched programs, actions
# on events, attached files. A scanned certificate needs none of them.
_ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/AA": "actions run on events (/AA)",
    "/Launch": "a launch action",
    "/EmbeddedFiles": "embedded files",
    "/EmbeddedFile": "embedded files",
    "/RichMedia": "embedded media",
    "/XFA": "an XFA form",
}
# A document whose object graph is larger than this is not a scan: refused rather than walked.
_MAX_PDF_OBJECTS = 100_000


def refuse(reason: str) -> InvalidInput:
    return InvalidInput("The file was refused.", errors={"file": [reason]})


def detect_type(data: bytes) -> str:
    """The content type the bytes begin as, or a refusal."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    raise refuse("Only PDF, JPEG and PNG files are accepted; this file is none of them.")


def check_content(data: bytes, max_pixels: int) -> str:
    """The detected content type of a file that opens cleanly, or a refusal."""
    content_type = detect_type(data)
    if content_type == PDF:
        _check_pdf(data)
    else:
        _check_image(data, _PILLOW_FORMATS[content_type], max_pixels)
    return content_type


def _check_image(data: bytes, expected_format: str, max_pixels: int) -> None:
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit: every bomb is an error here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the decoder of the detected type: no other Pillow plugin ever sees the bytes.
            with Image.open(io.BytesIO(data), formats=[expected_format]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise refuse(
                        f"The image is {width}x{height} pixels; at most {max_pixels} pixels "
                        "are accepted."
                    )
                image.verify()
            with Image.open(io.BytesIO(data), formats=[expected_format]) as image:
                image.load()  # verify() does not decode: a truncated image is found here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse("The image declares too many pixels (a decompression bomb).") from None
    except InvalidInput:
        raise
    except Exception:  # Pillow raises many kinds for a damaged file; the reason is the same
        raise refuse("The image is damaged or incomplete.") from None


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise refuse("Encrypted PDFs cannot be checked; send it without a password.")
        if len(reader.pages) == 0:
            raise refuse("The PDF has no pages.")
        found = _active_content(reader.trailer)
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise refuse("The PDF is damaged and cannot be read.") from None
    if found:
        raise refuse(f"PDFs with {found} are not accepted.")


def _active_content(root) -> str | None:
    """What active content the document's object graph holds (walked, not searched in the raw
    bytes: compressed object streams hide names from a byte search), or None."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > _MAX_PDF_OBJECTS:
            return "too many objects to check"
        if isinstance(node, DictionaryObject):
            for name, value in node.items():
                if name in _ACTIVE_KEYS:
                    return _ACTIVE_KEYS[name]
                if name == "/S" and value in ("/JavaScript", "/Launch"):
                    return _ACTIVE_KEYS[str(value)]
                # An opening destination is harmless; an opening action is not.
                if name == "/OpenAction" and not isinstance(value.get_object(), ArrayObject):
                    return "an action run when it opens (/OpenAction)"
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None
