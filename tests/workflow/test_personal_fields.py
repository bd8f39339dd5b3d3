import pytest

from workflow.personal_fields import NAME_MAX_LENGTH, is_valid_name, normalise_phone


@pytest.mark.parametrize(
    "value, canonical",
    [
        ("13912345678", "13912345678"),
        ("+8613912345678", "13912345678"),
        ("19900000000", "19900000000"),
    ],
)
def test_mainland_mobiles_are_kept_as_eleven_digits(value, canonical):
    assert normalise_phone(value) == canonical


@pytest.mark.parametrize(
    "value",
    [
        "13912345678\n",  # `$` would accept it
        "1391234567\n8",
        "139 1234 5678",
        "１３９１２３４５６７８",  # full-width digits
        "139١٢٣٤٥٦٧٨",  # Arabic-Indic digits: `\d` would accept them
        "12912345678",  # no mainland mobile starts 12
        "1391234567",
        "139123456789",
        "86 13912345678",
        "+86-13912345678",
        "008613912345678",
        "",
    ],
)
def test_anything_else_is_not_a_phone(value):
    assert normalise_phone(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "李明",
        "欧阳娜娜",
        "阿卜杜热合曼·阿卜杜克热木",
        "玛丽・安",
        "玛丽‧安",
        "Zoë Müller",
        "José María",
        "e\u0301mile",
        "x",
        "李" * NAME_MAX_LENGTH,
    ],
)
def test_names_of_letters_marks_dots_and_single_spaces_pass(value):
    assert is_valid_name(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        " 李明",
        "李明 ",
        "李  明",
        "·李明",
        "李明·",
        "李·· 明",
        "李明\n",
        "李\t明",
        "李\u202e明",  # right-to-left override
        "李\u2066明",  # left-to-right isolate
        "李\u200b明",  # zero-width space
        "李明2",
        "李明３",
        "李明!",
        "O'Brien",
        "李-明",
        "\u0301李",  # a mark with nothing to combine with
        "李" * (NAME_MAX_LENGTH + 1),
    ],
)
def test_anything_else_is_not_a_name(value):
    assert not is_valid_name(value)
