"""Applying the procurement rules to a store: each function is one unit of work.

Functions take an open ``Session`` (the caller owns the transaction, so a
multi-row change is all-or-nothing) and the acting user, and record history.
"""
