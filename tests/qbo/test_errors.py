"""The error parser against the bodies QuickBooks really sends (shared/qbo/API.md)."""

from __future__ import annotations

import json

import pytest

from app.qbo.errors import OAuthError, QboFault, TransportError, fault_in, parse_error

UPPER = {"Fault": {"Error": [
    {"Message": "Duplicate Name Exists Error",
     "Detail": "The name supplied already exists. : Another customer, vendor or employee is "
               "already using this name. Please use a different name.",
     "code": "6240", "element": ""},
    {"Message": "String length is either shorter or longer than supported by specification",
     "Detail": "String length specified does not match the supported length. Min:0 Max:21 "
               "supported. Supplied length:45", "code": "2050", "element": "DocNumber"}],
    "type": "ValidationFault"}, "time": "2020-09-29T06:58:50.262-07:00"}

LOWER_401 = ('{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message='
             'AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired: '
             'AB01601390262kxzxOlnHYdhtEVRXISU7piPqQrCmmbDN35Yjd","code":"3200","element":null}],'
             '"type":"AUTHENTICATION"},"report":null,"queryResponse":null,"batchItemResponse":[],'
             '"attachableResponse":[],"syncErrorResponse":null,"requestId":null,'
             '"time":1601391072830,"status":null,"cdcresponse":[]}')

XML_429 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2024-01-01T00:00:00.000-08:00">
  <Fault type="SERVICE">
    <Error code="3001">
      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
      <Detail>The request limit was reached.  Try again later</Detail>
    </Error>
  </Fault>
</IntuitResponse>"""


def test_upper_case_fault_with_several_errors():
    fault = parse_error(400, json.dumps(UPPER).encode(), "application/json", "1-abc")
    assert isinstance(fault, QboFault) and fault.codes == ["6240", "2050"]
    assert fault.errors[1].element == "DocNumber" and fault.errors[1].fault_type == \
        "ValidationFault"
    assert fault.first.plain_detail.startswith("The name supplied already exists. : Another")
    assert fault.intuit_tid == "1-abc" and not fault.transient


def test_lower_case_401_envelope():
    fault = parse_error(401, LOWER_401.encode(), "application/json")
    assert isinstance(fault, QboFault) and fault.codes == ["3200"] and fault.auth_failed
    assert fault.first.element == "" and fault.first.fault_type == "AUTHENTICATION"


def test_xml_throttle_even_when_json_was_asked_for():
    fault = parse_error(429, XML_429.encode(), "application/xml;charset=UTF-8")
    assert isinstance(fault, QboFault) and fault.throttled and fault.transient
    assert fault.first.detail == "The request limit was reached.  Try again later"
    assert fault.first.fault_type == "SERVICE"


def test_lower_case_json_throttle_variant():
    body = (b'{"fault":{"error":[{"message":"message=ThrottleExceeded; errorCode=003001; '
            b'statusCode=429","detail":null,"code":"3001"}],"type":"SERVICE"}}')
    fault = parse_error(429, body)
    assert isinstance(fault, QboFault) and fault.throttled and fault.first.detail == ""


def test_html_gateway_page_and_empty_body_keep_the_head_for_the_log():
    page = b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head></html>"
    error = parse_error(503, page, "text/html")
    assert isinstance(error, TransportError) and "web page" in str(error)
    assert error.body_head.startswith("<!DOCTYPE html>") and error.http_status == 503
    empty = parse_error(200, b"")
    assert isinstance(empty, TransportError) and "empty" in str(empty)


def test_oauth_error_json():
    error = parse_error(400, b'{"error":"invalid_grant","error_description":"Incorrect or '
                             b'invalid refresh token"}')
    assert isinstance(error, OAuthError) and error.needs_reconnect
    assert "Incorrect or invalid refresh token" in str(error)


@pytest.mark.parametrize("body", [b"not json at all", b"{broken", b"<xml>unclosed"])
def test_anything_else_is_a_clear_transport_error(body):
    error = parse_error(500, body)
    assert isinstance(error, TransportError) and error.body_head == body.decode()


def test_fault_inside_a_200_answer():
    assert fault_in({"Vendor": {"Id": "1"}}, 200, None) is None
    fault = fault_in(UPPER, 200, "t")
    assert fault is not None and fault.codes == ["6240", "2050"]


def test_plain_detail_drops_the_echoed_message():
    body = (b'{"Fault":{"Error":[{"Message":"Object Not Found","Detail":"Object Not Found : '
            b'Something you\'re trying to use has been made inactive. Check the fields with '
            b'accounts, customers, items, vendors or employees.","code":"610","element":""}],'
            b'"type":"ValidationFault"}}')
    fault = parse_error(400, body)
    assert fault.first.plain_detail.startswith("Something you're trying to use")
