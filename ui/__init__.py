"""SyncDesk's Qt widgets. The window arrives with its own issue; business rules stay in ``app``."""
