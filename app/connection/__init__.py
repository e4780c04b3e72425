"""This company's QuickBooks connection: connecting, the tokens, and opening a client.

It joins ``app.qbo`` (which knows nothing of the store) with the store: the
connection record lives in the store, Intuit's secrets in the OS keychain, a
local sandbox's tokens in the store.
"""
