"""Procurement rules as pure functions: states, transitions, money, settings.

Nothing here touches the database or the network; ``app.operations`` applies
these rules to the store and records history.
"""
