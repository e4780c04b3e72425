"""The request budget a team store's instances share.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12

- ``request_budget``: per company (``environment:realm``), the pause every instance
  keeps after QuickBooks throttled one of them, and the lease on name-list writes.
- ``request_slot``: every request any instance sent in the last window, and the ones
  in flight (with an expiry, so a crashed instance's slots free themselves).

- ``syncdesk_take_request_slot`` (PostgreSQL only): counts the company's slots and
  takes one when every limit has room, in one call (one round trip); the company's
  ``request_budget`` row stays locked only while the function runs.

Used on PostgreSQL stores only (one SQLite store is one instance); the tables exist on
both so that the schema is the same.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_budget",
        sa.Column("realm_key", sa.String(), primary_key=True),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.Column("name_list_holder", sa.String(), nullable=True),
        sa.Column("name_list_until", sa.Float(), nullable=True),
    )
    op.create_table(
        "request_slot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("realm_key", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("batch", sa.Boolean(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ends_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_request_slot_realm_ends", "request_slot", ["realm_key", "ends_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TAKE_SLOT)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS syncdesk_take_request_slot")
    op.drop_index("ix_request_slot_realm_ends", table_name="request_slot")
    op.drop_table("request_slot")
    op.drop_table("request_budget")


# VOLATILE: every statement sees what committed before it, so the count that follows the
# lock sees every slot taken by whoever held the lock before. Times: the database clock.
TAKE_SLOT = """
CREATE FUNCTION syncdesk_take_request_slot(
    p_realm text, p_holder text, p_batch boolean, p_window float8, p_second float8,
    p_expiry float8, p_per_minute int, p_per_second int, p_concurrent int, p_batches int,
    OUT o_slot int, OUT o_now float8, OUT o_paused_until float8, OUT o_recent int,
    OUT o_last_second int, OUT o_batches int, OUT o_in_flight int, OUT o_oldest float8,
    OUT o_oldest_second float8, OUT o_oldest_batch float8)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO request_budget (realm_key, paused_until) VALUES (p_realm, 0)
        ON CONFLICT (realm_key) DO NOTHING;
    SELECT b.paused_until INTO o_paused_until
        FROM request_budget b WHERE b.realm_key = p_realm FOR UPDATE;
    o_now := extract(epoch FROM clock_timestamp());
    SELECT count(*) FILTER (WHERE TRUE),
           count(*) FILTER (WHERE s.ends_at > o_now - p_second),
           count(*) FILTER (WHERE s.batch),
           count(*) FILTER (WHERE NOT s.done AND s.ends_at > o_now),
           min(s.ends_at) FILTER (WHERE s.done),
           min(s.ends_at) FILTER (WHERE s.done AND s.ends_at > o_now - p_second),
           min(s.ends_at) FILTER (WHERE s.done AND s.batch)
      INTO o_recent, o_last_second, o_batches, o_in_flight, o_oldest, o_oldest_second,
           o_oldest_batch
      FROM request_slot s
     WHERE s.realm_key = p_realm AND s.ends_at > o_now - p_window;
    IF o_paused_until <= o_now AND o_recent < p_per_minute AND o_last_second < p_per_second
       AND o_in_flight < p_concurrent AND (NOT p_batch OR o_batches < p_batches) THEN
        INSERT INTO request_slot (realm_key, holder, batch, done, started_at, ends_at)
             VALUES (p_realm, p_holder, p_batch, false, o_now, o_now + p_expiry)
          RETURNING id INTO o_slot;
    END IF;
END
$$
"""
