"""One sync at a time on a store (side by side on a team store): the lock lives with
the store (``app.store.lock``), since a re-link and a restore take it too."""

from app.store.lock import LEASE as LEASE
from app.store.lock import NAME as NAME
from app.store.lock import POLL as POLL
from app.store.lock import WAIT as WAIT
from app.store.lock import SyncBusy as SyncBusy
from app.store.lock import SyncLock as SyncLock
from app.store.lock import holders as holders
