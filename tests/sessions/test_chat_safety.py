import pytest

from sessions.safety import id_number_valid, luhn_valid, scan


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("call me 13812345678 ok", "call me *********** ok", ("phone",)),
        ("+86 138-1234-5678", "+** ***-****-****", ("phone",)),
        ("我的电话13912345678谢谢", "我的电话***********谢谢", ("phone",)),
        ("id 11010519491231002X.", "id ******************.", ("id",)),
        ("card 4111 1111 1111 1111", "card **** **** **** ****", ("card",)),
        (
            "card 4111111111111111 and 13812345678",
            "card **************** and ***********",
            ("phone", "card"),
        ),
    ],
)
def test_scan_masks_personal_data(text, expected, kinds):
    # when
    result = scan(text)
    # then
    assert result.text == expected
    assert result.masked == kinds


@pytest.mark.parametrize(
    "text",
    [
        "hello there",
        "order 12345 costs 60 yuan",
        "11010519491231002Y is not an id",  # wrong check character
        "110105194912310021",  # 18 digits, bad checksum, not Luhn-valid either
        "4111111111111112",  # fails Luhn
        "12812345678",  # not a mobile prefix
        "138123456789",  # 12 digits: not a phone number
    ],
)
def test_scan_leaves_other_text_alone(text):
    # when
    result = scan(text)
    # then
    assert result.text == text
    assert result.masked == ()


def test_checksums():
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
