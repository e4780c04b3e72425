from decimal import Decimal

import pytest

from app import jsonexact as wire


def test_decimals_go_out_as_exact_numbers_and_come_back_as_decimals():
    body = {"Amount": Decimal("150.10"), "Line": [{"Qty": Decimal("0.33333")}], "Note": "a\u0000"}
    text = wire.dumps(body)
    assert '"Amount": 150.10' in text and '"Qty": 0.33333' in text
    back = wire.loads(text)
    assert back["Amount"] == Decimal("150.10") and back["Note"] == "a\u0000"
    assert wire.loads('{"TotalAmt": 0.1}')["TotalAmt"] + Decimal("0.2") == Decimal("0.3")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        wire.dumps({"Amount": 0.1})
