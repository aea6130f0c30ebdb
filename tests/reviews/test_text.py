import pytest

from reviews.text import mask_pii


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("加我13912345678", "加我***********"),
        ("+86 139-1234-5678 谢谢", "+** ***-****-**** 谢谢"),
        ("１３９１２３４５６７８", "***********"),
        ("139\u200b1234\u200b5678", "***********"),
        ("很好，谢谢！", "很好，谢谢！"),
        ("订单号 20241234567890", "订单号 20241234567890"),
        ("  前后空格  ", "前后空格"),
    ],
)
def test_personal_data_is_masked_and_the_rest_kept(text, masked):
    # when / then
    assert mask_pii(text) == masked
