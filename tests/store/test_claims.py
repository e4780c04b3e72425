"""Team mode (issue 17): the store lock shared by syncs, and the documents each claims."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app.store.claims import Claims
from app.store.lock import SyncBusy, SyncLock, side_by_side
from app.store.models import SyncClaimRow, SyncLockRow
from app.store.types import utcnow

CLAIMS = SyncClaimRow.__table__
LOCKS = SyncLockRow.__table__


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def _claimed_by(store, key: str, host: str, pid: int, expires_in: timedelta) -> None:
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(insert(CLAIMS).values(key=key, token="someone-else", host=host, pid=pid,
                                           claimed_at=now, expires_at=now + expires_in))


def _claims(store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return {row.key: row.token for row in conn.execute(select(CLAIMS))}


def _locks(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(LOCKS)).all()


def test_syncs_share_the_lock_on_postgresql_only(store, backend):
    assert side_by_side(store) is (backend == "postgresql")
    assert SyncLock.for_sync(store).shared is (backend == "postgresql")


# --- claims -----------------------------------------------------------------------------
def test_a_claimed_document_is_passed_over_until_its_holder_gives_it_back(store):
    mine, theirs = Claims(store, SyncLock(store, shared=True)), \
        Claims(store, SyncLock(store, shared=True))
    assert mine.take("po:1") is None
    assert mine.take("po:1") is None  # ours already: taking it again is fine
    holder = theirs.take("po:1")
    assert holder is not None and holder.token == mine.lock.token
    assert theirs.holder("po:1") is not None and mine.holder("po:1") is None
    mine.release("po:1")
    assert theirs.take("po:1") is None
    assert _claims(store) == {"po:1": theirs.lock.token}
    mine.release("po:1")  # not ours any more: left alone
    assert _claims(store) == {"po:1": theirs.lock.token}


def test_a_claim_whose_lease_ran_out_is_taken_over(store):
    _claimed_by(store, "po:7", "another-machine", 4242, timedelta(seconds=-1))
    claims = Claims(store, SyncLock(store, shared=True))
    assert claims.take("po:7") is None
    assert claims.taken_over == 1
    assert _claims(store) == {"po:7": claims.lock.token}


def test_a_live_claim_of_another_machine_is_not_taken_over(store):
    _claimed_by(store, "po:7", "another-machine", 4242, timedelta(minutes=5))
    claims = Claims(store, SyncLock(store, shared=True))
    holder = claims.take("po:7")
    assert (holder.host, holder.pid) == ("another-machine", 4242)
    assert claims.wait_for("po:7", 0.3) is not None
    assert _claims(store) == {"po:7": "someone-else"}


def test_the_claim_of_a_process_gone_from_this_machine_is_taken_over(store):
    _claimed_by(store, "invoice:3", socket.gethostname(), _dead_pid(), timedelta(hours=1))
    claims = Claims(store, SyncLock(store, shared=True))
    assert claims.take("invoice:3") is None and claims.taken_over == 1


def test_claims_are_renewed_with_the_lock_and_given_back_with_it(store):
    lock = SyncLock(store, shared=True, lease=timedelta(seconds=30))
    lock.acquire()
    claims = Claims(store, lock)
    try:
        claims.take("po:1")
        claims.take("supplier:2")
        with store.engine.connect() as conn:
            before = {r.key: r.expires_at for r in conn.execute(select(CLAIMS))}
        assert lock.renew()
        with store.engine.connect() as conn:
            after = {r.key: r.expires_at for r in conn.execute(select(CLAIMS))}
        assert all(after[key] >= before[key] for key in before)
        assert sorted(claims.held()) == ["po:1", "supplier:2"]
    finally:
        lock.release()
    assert _claims(store) == {} and _locks(store) == []


# --- the lock: shared by syncs, exclusive for what must run alone ------------------------
def test_shared_holders_run_side_by_side_and_keep_out_an_exclusive_one(store):
    first, second = SyncLock(store, shared=True), SyncLock(store, shared=True)
    first.acquire(0)
    second.acquire(0)
    try:
        assert len(_locks(store)) == 2
        with pytest.raises(SyncBusy, match="a sync is already running on this store"):
            SyncLock(store).acquire(0.3)  # a restore or a re-link waits for both
    finally:
        first.release()
    try:
        with pytest.raises(SyncBusy):
            SyncLock(store).acquire(0)
    finally:
        second.release()
    alone = SyncLock(store)
    alone.acquire(0)
    alone.release()
    assert _locks(store) == []


def test_an_exclusive_holder_keeps_syncs_out(store):
    alone = SyncLock(store)
    alone.acquire(0)
    try:
        with pytest.raises(SyncBusy, match="restoring, re-linking or fixing"):
            SyncLock(store, shared=True).acquire(0.3)
    finally:
        alone.release()
    sync = SyncLock(store, shared=True)
    sync.acquire(0)
    sync.release()


def test_a_dead_sync_keeps_nothing_out(store):
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(insert(LOCKS).values(name="sync:gone", token="gone",
                                          host=socket.gethostname(), pid=_dead_pid(),
                                          acquired_at=now, expires_at=now + timedelta(hours=1)))
        conn.execute(insert(LOCKS).values(name="sync:late", token="late", host="elsewhere",
                                          pid=1, acquired_at=now - timedelta(hours=1),
                                          expires_at=now - timedelta(seconds=1)))
    alone = SyncLock(store)
    alone.acquire(0)
    try:
        assert [r.token for r in _locks(store)] == [alone.token]
    finally:
        alone.release()


def test_the_claims_table_comes_and_goes_with_its_migration(db_path):
    from alembic import command
    from sqlalchemy import inspect

    from app.store.database import alembic_config, make_engine, open_store, resolve_db_url

    url = resolve_db_url(str(db_path))
    open_store(url).close()
    engine = make_engine(url)
    try:
        assert "sync_claim" in inspect(engine).get_table_names()
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0012")
        assert "sync_claim" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0016")
        assert "ix_sync_claim_token" in {i["name"] for i in inspect(engine).get_indexes(
            "sync_claim")}
    finally:
        engine.dispose()


def test_claims_are_taken_many_at_once_passing_over_those_held(store):
    _claimed_by(store, "po:2", "another-machine", 4242, timedelta(minutes=5))
    _claimed_by(store, "po:3", socket.gethostname(), _dead_pid(), timedelta(minutes=5))
    claims = Claims(store, SyncLock(store, shared=True))
    held = claims.take_many(["po:1", "po:2", "po:3", "po:4"])
    assert {key for key, holder in held.items() if holder is None} == {"po:1", "po:3", "po:4"}
    assert held["po:2"].host == "another-machine" and claims.taken_over == 1
    claims.release("po:1", "po:3", "po:4")
    assert _claims(store) == {"po:2": "someone-else"}
