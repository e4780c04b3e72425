"""The error parser and the client never let anything but their own error type out.

A body QuickBooks (or a gateway in between) sends is data, never a reason for a
traceback: ``{"Fault": {"Error": 5}}``, JSON nested deeper than Python reads, bytes
that are not text, a 200 whose object is a number.
"""

from __future__ import annotations

import json
import sys

from flask import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.qbo.errors import QboClientError, QboFault, TransportError, fault_in, parse_error
from app.sandbox.server import ApiRequest

FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
KEYS = st.sampled_from(["Fault", "fault", "Error", "error", "code", "Code", "Message",
                        "message", "Detail", "detail", "element", "type", "error_description",
                        "QueryResponse", "PurchaseOrder", "Id"]) | st.text(max_size=8)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30)
FAULTISH = st.fixed_dictionaries({"Fault": st.fixed_dictionaries(
    {"Error": JSON, "type": JSON})}) | st.fixed_dictionaries(
    {"fault": st.fixed_dictionaries({"error": JSON})}) | st.fixed_dictionaries(
    {"error": JSON, "error_description": JSON})
CONTENT_TYPES = st.sampled_from(["", "application/json", "application/xml;charset=UTF-8",
                                 "text/html", "text/plain"]) | st.text(max_size=20)
STATUS = st.integers(min_value=100, max_value=599)


def deep(levels: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * levels + closer * levels).encode()


def check(status: int, body: bytes, content_type: str = "") -> QboClientError:
    error = parse_error(status, body, content_type, "tid-1")
    assert isinstance(error, QboClientError)
    str(error)  # its message can be shown
    return error


def test_the_bodies_that_used_to_escape():
    assert isinstance(check(400, b'{"Fault":{"Error":5}}'), QboFault)
    assert isinstance(check(400, b'{"Fault":{"Error":[{"code":{"a":1}}]}}'), QboFault)
    nested = check(500, b'{"a":' + deep(sys.getrecursionlimit() * 10) + b"}")
    assert isinstance(nested, TransportError)
    assert isinstance(check(500, deep(100_000)), TransportError)
    assert isinstance(check(502, deep(50_000, "<a>", "</a>"), "application/xml"), QboClientError)
    assert isinstance(check(400, b'{"Fault":{"Error":[{"code":"1' + b"9" * 5000 + b'"}]}}'),
                      QboFault)
    assert fault_in({"Fault": {"Error": 5}}, 200, None) is not None


@FUZZ
@given(status=STATUS, data=JSON | FAULTISH, content_type=CONTENT_TYPES)
def test_any_json_body_becomes_a_client_error(status, data, content_type):
    body = json.dumps(data).encode()
    check(status, body, content_type)
    assert fault_in(data, status, None) is None or isinstance(fault_in(data, status, None),
                                                              QboFault)


@FUZZ
@given(status=STATUS, body=st.binary(max_size=400), content_type=CONTENT_TYPES)
def test_any_bytes_become_a_client_error(status, body, content_type):
    check(status, body, content_type)


@FUZZ
@given(status=STATUS, levels=st.integers(min_value=1, max_value=200_000),
       shape=st.sampled_from([("[", "]"), ('{"Fault":', "}"), ('{"a":[', "]}"),
                              ("<Fault>", "</Fault>")]),
       prefix=st.sampled_from([b"", b'{"Fault":{"Error":', b"<?xml version='1.0'?>"]))
def test_nesting_of_any_depth_becomes_a_client_error(status, levels, shape, prefix):
    opener, closer = shape
    check(status, prefix + (opener * levels + closer * levels).encode())


@FUZZ
@given(text=st.text(max_size=300), wrap=st.sampled_from(["{}", "<?xml version='1.0'?>{}",
                                                         "<IntuitResponse>{}</IntuitResponse>",
                                                         "<html>{}</html>"]))
def test_any_text_and_markup_becomes_a_client_error(text, wrap):
    check(400, wrap.format(text).encode("utf-8", errors="surrogatepass"), "application/xml")


# --- the client on odd 200 answers, over the real sandbox ----------------------------------

ODD_ANSWERS = [{"PurchaseOrder": 5}, [1, 2], {"PurchaseOrder": [{"Id": "1"}]},
               {"PurchaseOrder": {"Id": "1", "Line": 7}}, {"PurchaseOrder": {"Line": []}},
               "text", 5, None, {}]


def replace_answers(sandbox, route: str, method: str, body) -> None:
    def hook(ctx: ApiRequest, response: Response) -> Response:
        if ctx.method == method and ctx.path.lower().split("/")[0] == route:
            return Response(json.dumps(body), 200, headers={"Content-Type": "application/json"})
        return response

    sandbox.after_hooks.append(hook)


def test_odd_answers_to_reads_writes_and_queries_are_client_errors(client, sandbox):
    import pytest

    vendor = client.create("Vendor", {"DisplayName": "Odd Answers Ltd"}, request_id="sd-odd-1")
    for body in ODD_ANSWERS:
        sandbox.after_hooks.clear()
        replace_answers(sandbox, "purchaseorder", "POST", body)
        with pytest.raises(TransportError):
            client.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]}, "Line": []},
                          request_id=f"sd-odd-{len(str(body))}")
        sandbox.after_hooks.clear()
        replace_answers(sandbox, "vendor", "GET", body)
        with pytest.raises(TransportError):
            client.read("Vendor", vendor["Id"])
    for body in [[1], {"QueryResponse": 5}, {"QueryResponse": {"Vendor": [5]}}, "x"]:
        sandbox.after_hooks.clear()
        replace_answers(sandbox, "query", "POST", body)
        with pytest.raises(TransportError):
            client.query("select * from Vendor")
    for body in [[1], {"Preferences": 5}]:
        sandbox.after_hooks.clear()
        replace_answers(sandbox, "preferences", "GET", body)
        with pytest.raises(TransportError):
            client.preferences()
