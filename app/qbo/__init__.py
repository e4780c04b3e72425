"""Talking to QuickBooks Online: OAuth 2.0, tokens, and a typed API client.

Knows no business rules (never imports ``app.sync``) and gets its tokens
through the small ``TokenStore`` interface rather than from the store.
"""
