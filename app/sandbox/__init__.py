"""A QuickBooks Online API emulator served on loopback (see issue 3).

It keeps its own state and models and imports nothing from ``app.qbo``,
``app.sync`` or ``app.store``: an emulator that shared SyncDesk's code would
test SyncDesk against itself.
"""
