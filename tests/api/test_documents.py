"""Documents of a case: who uploads, lists and downloads them; what is refused; where they are
kept; drafts, which wait for their documents before the pre-check."""

import hashlib
import io
import os
import stat
import struct
import zlib

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from sqlalchemy import func, select, update

from tests.factories import (
    act,
    auth,
    image_file,
    pdf_file,
    provide_documents,
    register,
    routed_case,
    run_precheck,
    staff,
    upload,
    user_id,
    valid_form,
)
from workflow.db import Session
from workflow.models import Application, Document, Event, OutboxMessage
from workflow.services import documents as document_service


@pytest.fixture
def stored(app, tmp_path, monkeypatch):
    """Where this test's files go."""
    directory = tmp_path / "documents"
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", directory)
    return directory


def _draft(client, token, policy_code="transport", window="W03") -> int:
    form = valid_form(client.get(f"/api/v1/policies/{policy_code}").json)
    body = {"policy_code": policy_code, "window_code": window, "form": form, "draft": True}
    response = client.post("/api/v1/applications", headers=auth(token), json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def _documents(client, token, case_id):
    return client.get(f"/api/v1/applications/{case_id}/documents", headers=auth(token))


def _download(client, token, case_id, document_id):
    return client.get(
        f"/api/v1/applications/{case_id}/documents/{document_id}", headers=auth(token)
    )


def _rows() -> list[Document]:
    rows = list(Session().scalars(select(Document).order_by(Document.id)))
    Session.remove()
    return rows


def _refused(response, status=422, reason=""):
    assert response.status_code == status, response.json
    assert response.json["code"] == status
    assert "file" in response.json["errors"], response.json
    assert reason in " ".join(response.json["errors"]["file"]), response.json
    assert _rows() == []


# Who uploads, lists and downloads


def test_the_applicant_uploads_lists_and_downloads_their_own_document(client, stored):
    token, applicant_id = register(client)
    case_id = _draft(client, token)
    content = pdf_file(pages=2)
    response = upload(client, token, case_id, "identity_card", content, name="身份证 正面.pdf")
    assert response.status_code == 201, response.json
    shown = response.json
    assert shown["document_code"] == "identity_card" and shown["file_name"] == "身份证 正面.pdf"
    assert shown["content_type"] == "application/pdf" and shown["size"] == len(content)
    assert shown["sha256"] == hashlib.sha256(content).hexdigest()
    assert shown["uploaded_by"] == applicant_id and shown["on_behalf_of"] is None

    listed = _documents(client, token, case_id)
    assert listed.status_code == 200 and listed.json == [shown]

    got = _download(client, token, case_id, shown["id"])
    assert got.status_code == 200 and got.data == content
    assert got.mimetype == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81%20%E6%AD%A3%E9%9D%A2.pdf" in disposition


def test_a_file_is_kept_under_a_random_name_readable_by_its_owner_only(client, stored):
    token, _ = register(client)
    case_id = _draft(client, token)
    content = image_file("PNG")
    assert upload(client, token, case_id, "id_photo", content, "photo.png").status_code == 201
    assert upload(client, token, case_id, "id_photo", content, "photo.png").status_code == 201
    first, second = _rows()
    assert first.stored_name != second.stored_name  # the same file twice: two random names
    for row in (first, second):
        assert len(row.stored_name) == 32 and int(row.stored_name, 16) >= 0
        path = stored / row.stored_name
        assert path.read_bytes() == content
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.stat().st_mode) == 0o700
    assert sorted(os.listdir(stored)) == sorted([first.stored_name, second.stored_name])
    assert first.content_type == "image/png" and first.file_name == "photo.png"


def test_an_upload_is_an_event_of_the_case_and_moves_its_etag(client, stored):
    token, applicant_id = register(client)
    case_id = _draft(client, token)
    before = client.get(f"/api/v1/applications/{case_id}", headers=auth(token)).headers["ETag"]
    document = upload(client, token, case_id, "identity_card").json
    after = client.get(f"/api/v1/applications/{case_id}", headers=auth(token)).headers["ETag"]
    assert before != after
    events = client.get(f"/api/v1/applications/{case_id}/events", headers=auth(token)).json
    assert [(e["action"], e["to_status"]) for e in events] == [
        ("save_draft", "draft"),
        ("add_document", "draft"),
    ]
    assert events[-1]["actor_id"] == applicant_id
    assert events[-1]["data"] == {
        "document_id": document["id"],
        "document_code": "identity_card",
        "content_type": "application/pdf",
        "size": document["size"],
        "sha256": document["sha256"],
    }


def test_a_clerk_of_the_window_uploads_on_behalf_of_the_applicant(client, stored):
    token, applicant_id = register(client)
    case_id = _draft(client, token, window="W03")
    clerk = staff(client, "window_clerk", window="W03")
    response = upload(client, clerk, case_id, "identity_card")
    assert response.status_code == 201, response.json
    assert response.json["uploaded_by"] == user_id(clerk)
    assert response.json["on_behalf_of"] == applicant_id
    [event] = (
        Session()
        .scalars(
            select(Event).where(Event.application_id == case_id, Event.action == "add_document")
        )
        .all()
    )
    assert (event.actor_id, event.on_behalf_of) == (user_id(clerk), applicant_id)
    Session.remove()
    assert _download(client, token, case_id, response.json["id"]).status_code == 200


def test_nobody_else_sees_or_adds_documents_and_staff_who_see_the_case_may_only_read(
    client, stored
):
    token, _ = register(client)
    case_id = _draft(client, token, window="W03")
    document_id = upload(client, token, case_id, "identity_card").json["id"]
    strangers = [
        register(client)[0],
        staff(client, "window_clerk", window="W04"),
        staff(client, "reviewer", department="transport"),  # no step on the case yet
        staff(client, "finance", department="finance"),  # sees granted cases only
    ]
    for stranger in strangers:
        assert upload(client, stranger, case_id, "identity_card").status_code == 404
        assert _documents(client, stranger, case_id).status_code == 404
        assert _download(client, stranger, case_id, document_id).status_code == 404
    office = staff(client, "talent_office", department="talent_office")
    assert _documents(client, office, case_id).status_code == 200
    assert _download(client, office, case_id, document_id).status_code == 200
    refused = upload(client, office, case_id, "identity_card")
    assert refused.status_code == 403 and refused.json["code"] == 403
    assert len(_rows()) == 1


def test_a_document_of_another_case_is_not_found_through_this_one(client, stored):
    token, _ = register(client)
    mine, other = _draft(client, token), _draft(client, token, window="W04")
    document_id = upload(client, token, other, "identity_card").json["id"]
    assert _download(client, token, mine, document_id).status_code == 404
    assert _download(client, token, other, document_id).status_code == 200


def test_documents_are_taken_only_while_the_case_is_the_applicants_to_change(client, stored):
    token, case_id = routed_case(client)  # at the window now
    response = upload(client, token, case_id, "identity_card")
    assert response.status_code == 409 and "at_window" in response.json["message"]
    clerk = staff(client, "window_clerk", window="W03")
    assert upload(client, clerk, case_id, "identity_card").status_code == 409


def test_the_upload_is_documented_as_one_multipart_body(client):
    spec = client.get("/openapi.json").json
    body = spec["paths"]["/api/v1/applications/{case_id}/documents"]["post"]["requestBody"]
    [(media_type, content)] = body["content"].items()
    assert media_type == "multipart/form-data"
    schema = spec["components"]["schemas"][content["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"document_code", "file"}
    assert schema["properties"]["file"]["format"] == "binary"


def test_an_unknown_document_code_is_422(client, stored):
    token, _ = register(client)
    case_id = _draft(client, token)
    response = upload(client, token, case_id, "household_register")  # another policy's
    assert response.status_code == 422 and "document_code" in response.json["errors"]
    missing = client.post(
        f"/api/v1/applications/{case_id}/documents",
        headers=auth(token),
        data={"document_code": "identity_card"},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 422 and "file" in missing.json["errors"]
    assert _rows() == []


# Size


def test_a_file_over_the_limit_is_413_and_json_keeps_its_own_smaller_limit(
    app, client, stored, monkeypatch
):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 400 * 1024)
    token, _ = register(client)
    case_id = _draft(client, token)
    # Over the JSON limit (256 KiB) and under the document limit: taken.
    big_png = image_file("PNG", (1, 1)) + b"\0" * (300 * 1024)  # trailing bytes after IEND
    taken = upload(client, token, case_id, "id_photo", big_png, "big.png")
    assert taken.status_code == 201, taken.json
    # A declared length over the limit is refused before the body is read ...
    huge = pdf_file() + b"%" * (500 * 1024)
    refused = upload(client, token, case_id, "identity_card", huge)
    assert refused.status_code == 413 and refused.json["code"] == 413
    assert "file" in refused.json["errors"]
    # ... and a file just over it inside a request the envelope allows, by the service.
    just_over = pdf_file() + b"%" * (400 * 1024 + 1 - len(pdf_file()))
    refused = upload(client, token, case_id, "identity_card", just_over)
    assert refused.status_code == 413 and "file" in refused.json["errors"]
    assert len(_rows()) == 1 and len(os.listdir(stored)) == 1
    # JSON bodies elsewhere still stop at MAX_CONTENT_LENGTH.
    body = {"policy_code": "transport", "window_code": "W01", "form": {"x": "y" * 300_000}}
    assert client.post("/api/v1/applications", headers=auth(token), json=body).status_code == 413


# Hostile files


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height pixels: Pillow's own file with its IHDR
    rewritten (and its checksum recomputed)."""
    data = bytearray(image_file("PNG", (1, 1)))
    header = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


def _pdf_with(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _script() -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hi')"),
        }
    )


def _named_script(writer: PdfWriter) -> None:
    """Document-level JavaScript, as the name tree holds it (in an indirect object)."""
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("s"), writer._add_object(_script())])}
    )
    names = DictionaryObject({NameObject("/JavaScript"): writer._add_object(tree)})
    writer._root_object[NameObject("/Names")] = writer._add_object(names)


def _open_action_script(writer: PdfWriter) -> None:
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(_script())


def _page_additional_action(writer: PdfWriter) -> None:
    action = DictionaryObject({NameObject("/S"): NameObject("/URI")})
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})


HOSTILE = [
    pytest.param(image_file("PNG"), "scan.pdf", "PNG image", id="png-named-pdf"),
    pytest.param(image_file("JPEG"), "photo.png", "JPEG image", id="jpeg-named-png"),
    pytest.param(pdf_file(), "scan", "PDF", id="no-extension"),
    pytest.param(pdf_file(), "../../etc/passwd.pdf", "not a path", id="dot-dot-slash"),
    pytest.param(pdf_file(), "scan\x00.pdf", "control characters", id="nul"),
    pytest.param(pdf_file(), "a" * 300 + ".pdf", "longer than", id="long-name"),
    pytest.param(_bomb_png(50_000, 50_000), "bomb.png", "decompression bomb", id="bomb"),
    pytest.param(_bomb_png(8_000, 8_000), "big.png", "pixels", id="over-pixel-limit"),
    pytest.param(image_file("PNG")[:-30], "cut.png", "damaged", id="truncated-png"),
    pytest.param(image_file("JPEG")[:40], "cut.jpg", "damaged", id="truncated-jpeg"),
    pytest.param(_pdf_with(_named_script), "s.pdf", "JavaScript", id="pdf-js"),
    pytest.param(_pdf_with(_open_action_script), "s.pdf", "OpenAction", id="pdf-open-action"),
    pytest.param(_pdf_with(_page_additional_action), "s.pdf", "/AA", id="pdf-aa"),
    pytest.param(
        _pdf_with(lambda w: w.add_attachment("x.exe", b"MZ")), "s.pdf", "embedded", id="pdf-att"
    ),
    pytest.param(b"%PDF-1.7\nnot really", "s.pdf", "damaged", id="pdf-garbage"),
    pytest.param(b"<html><script>x</script></html>", "s.pdf", "none of them", id="html"),
    pytest.param(b"", "empty.pdf", "empty", id="empty"),
]


@pytest.mark.parametrize("content, name, reason", HOSTILE)
def test_a_hostile_file_is_refused_naming_file_and_the_reason(
    client, stored, content, name, reason
):
    token, _ = register(client)
    case_id = _draft(client, token)
    _refused(upload(client, token, case_id, "identity_card", content, name), 422, reason)
    assert not stored.exists() or os.listdir(stored) == []


def test_a_windows_path_as_the_name_is_refused(client, stored):
    """Sent as a browser on Windows may: backslashes escaped inside the quoted name."""
    token, _ = register(client)
    case_id = _draft(client, token)
    boundary = "b0undary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="document_code"\r\n\r\n'
            f"identity_card\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="..\\\\evil\\\\scan.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf_file()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/api/v1/applications/{case_id}/documents",
        headers=auth(token),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    _refused(response, 422, "not a path")


def test_the_declared_content_type_is_not_trusted(client, stored):
    token, _ = register(client)
    case_id = _draft(client, token)
    response = client.post(
        f"/api/v1/applications/{case_id}/documents",
        headers=auth(token),
        data={
            "document_code": "id_photo",
            "file": (io.BytesIO(image_file("JPEG")), "photo.jpg", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201 and response.json["content_type"] == "image/jpeg"


def test_a_failed_transaction_leaves_no_file_behind(client, stored, monkeypatch):
    token, _ = register(client)
    case_id = _draft(client, token)

    def failing_apply(*args, **kwargs):
        raise RuntimeError("fault injected before the commit")

    monkeypatch.setattr(document_service, "apply", failing_apply)
    response = upload(client, token, case_id, "identity_card")
    assert response.status_code == 500
    assert _rows() == [] and os.listdir(stored) == []


def test_a_case_that_moved_on_while_its_file_was_checked_takes_no_document(
    client, stored, monkeypatch
):
    token, _ = register(client)
    case_id = _draft(client, token)
    real_check = document_service.check_content

    def withdrawn_meanwhile(data, max_pixels):
        with Session.get_bind().begin() as connection:  # another request, committed first
            connection.execute(
                update(Application).where(Application.id == case_id).values(status="withdrawn")
            )
        return real_check(data, max_pixels)

    monkeypatch.setattr(document_service, "check_content", withdrawn_meanwhile)
    response = upload(client, token, case_id, "identity_card")
    assert response.status_code == 409 and "withdrawn" in response.json["message"]
    assert _rows() == [] and os.listdir(stored) == []


# Drafts


def test_a_draft_waits_for_its_documents_and_is_prechecked_once_submitted(client, stored):
    token, _ = register(client)
    case_id = _draft(client, token)
    assert Session().scalar(select(func.count()).select_from(OutboxMessage)) == 0
    Session.remove()
    provide_documents(client, token, case_id, "transport")
    assert run_precheck() == {}  # nothing to check yet
    submitted = act(client, token, case_id, "submit")
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    assert run_precheck()["routed"] == 1
    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(token)).json
    assert shown["status"] == "at_window"


def test_a_draft_may_be_withdrawn(client, stored):
    token, _ = register(client)
    case_id = _draft(client, token)
    assert act(client, token, case_id, "withdraw").json["status"] == "withdrawn"
    assert upload(client, token, case_id, "identity_card").status_code == 409
