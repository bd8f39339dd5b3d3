"""Sealing and keyed hashes (workflow/personal_data.py), without a database."""

import base64

import pytest

from workflow import personal_data
from workflow.personal_data import KeyProblem, lookup_hash, open_, parse_keys, seal

ONE = base64.b64encode(b"1" * 32).decode()
TWO = base64.b64encode(b"2" * 32).decode()
HASH = base64.b64encode(b"h" * 32).decode()


@pytest.fixture(autouse=True)
def _keys():
    saved = personal_data._keys.get("current")
    personal_data.use(parse_keys(f"a:{ONE}", HASH))
    yield
    if saved is not None:
        personal_data.use(saved)


def test_a_sealed_value_opens_and_holds_nothing_in_clear():
    stored = seal("110101199003071234", "id_number")
    assert "199003071234" not in stored and stored.startswith("pd1:a:")
    assert seal("110101199003071234", "id_number") != stored  # a fresh nonce each time
    assert open_(stored, "id_number") == "110101199003071234"


def test_a_value_moved_to_another_column_or_altered_does_not_open():
    stored = seal("13900000001", "phone")
    with pytest.raises(KeyProblem, match="altered, or moved"):
        open_(stored, "id_number")
    prefix, key_id, token = stored.split(":", 2)
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[-1] ^= 1
    tampered = f"{prefix}:{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(KeyProblem, match="altered"):
        open_(tampered, "phone")


def test_the_first_key_seals_and_every_configured_key_opens():
    old = seal("13900000001", "phone")
    personal_data.use(parse_keys(f"b:{TWO},a:{ONE}", HASH))
    assert seal("13900000001", "phone").startswith("pd1:b:")
    assert open_(old, "phone") == "13900000001"
    personal_data.use(parse_keys(f"b:{TWO}", HASH))
    with pytest.raises(KeyProblem, match="not configured"):
        open_(old, "phone")


def test_the_lookup_hash_is_stable_keyed_and_per_purpose():
    first = lookup_hash("13900000001", "phone")
    assert first == lookup_hash("13900000001", "phone") and len(first) == 64
    assert first != lookup_hash("13900000001", "id_number")
    personal_data.use(parse_keys(f"a:{ONE}", TWO))
    assert lookup_hash("13900000001", "phone") != first


@pytest.mark.parametrize(
    ("keys", "hash_key", "problem"),
    [
        ("", HASH, "names no key"),
        (f"a:{ONE},a:{TWO}", HASH, "repeated"),
        ("a:not-base64!", HASH, "not base64"),
        (f"a:{base64.b64encode(b'short').decode()}", HASH, "32 bytes"),
        (f"a:{ONE}", "", "32 bytes"),
    ],
)
def test_malformed_keys_stop_the_start(keys, hash_key, problem):
    with pytest.raises(KeyProblem, match=problem):
        parse_keys(keys, hash_key)


def test_masks_keep_only_the_ends():
    assert personal_data.mask_id_number("14080219950501001X") == "140***********001X"
    assert personal_data.mask_phone("13900000001") == "139****0001"
    assert personal_data.mask_phone(None) is None
