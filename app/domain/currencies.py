"""The currency codes SyncDesk accepts: ISO 4217's active codes for money in circulation.

A fact table (ISO 4217 list one, 2025), not a rule of our own: a code outside it
("XYZ", a typo such as "USS") is refused where it is typed, not first by
QuickBooks at sync. Left out on purpose: funds and units of account (BOV,
CHE, CHW, CLF, COU, MXV, USN, UYI, UYW, XDR, XSU, XUA, XBA–XBD), precious
metals (XAU, XAG, XPD, XPT) and the test and "no currency" codes (XTS, XXX):
no supplier bills in those. Codes withdrawn before 2024 (HRK, CUC, VEF, …)
are not accepted for new documents.
"""

from __future__ import annotations

_TABLE = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN
BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK
DJF DKK DOP DZD
EGP ERN ETB EUR
FJD FKP
GBP GEL GHS GIP GMD GNF GTQ GYD
HKD HNL HTG HUF
IDR ILS INR IQD IRR ISK
JMD JOD JPY
KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LYD
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
NAD NGN NIO NOK NPR NZD
OMR
PAB PEN PGK PHP PKR PLN PYG
QAR
RON RSD RUB RWF
SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS
VED VES VND VUV
WST
XAF XCD XCG XOF XPF
YER
ZAR ZMW ZWG
"""
ISO_4217: frozenset[str] = frozenset(_TABLE.split())


def is_currency(code: str) -> bool:
    """Whether ``code`` (upper case) is an ISO 4217 currency SyncDesk accepts."""
    return code in ISO_4217
