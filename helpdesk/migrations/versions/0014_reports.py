"""reports: summary tables (a row per ticket, SLA clock and solve; clocks counted per day and cell), the pending list and its triggers

Revision ID: 0014_reports
Revises: 0013_ticketpage

On PostgreSQL, triggers put the tickets whose sources change (tickets, SLA clocks and history,
messages) in report_pending within the changing statement's transaction. The tickets that exist are
left pending; on a large database run `helpdesk reports rebuild` after upgrading (faster than the
refresh's batches).
"""
from alembic import op
import sqlalchemy as sa

from helpdesk.models.types import UTCDateTime

revision = '0014_reports'
down_revision = '0013_ticketpage'
branch_labels = None
depends_on = None

# Statement-level: a bulk change costs one INSERT of its tickets' ids, not one per row.
_MARK_BY_TICKET_ID = """
CREATE FUNCTION report_mark_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_pending (ticket_id)
        SELECT DISTINCT ticket_id FROM changed_rows WHERE ticket_id IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_pending (ticket_id)
        SELECT DISTINCT ticket_id FROM previous_rows WHERE ticket_id IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$"""
# A ticket is pending when a column the reports read changes; when it leaves a customer (a merge,
# a deletion), so are that customer's other tickets (their next ticket in the category may change).
_MARK_TICKETS = """
CREATE FUNCTION report_mark_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_pending (ticket_id) SELECT id FROM changed_rows
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO report_pending (ticket_id)
        SELECT n.id FROM changed_rows n JOIN previous_rows o ON o.id = n.id
        WHERE (n.status, n.channel, n.category_id, n.team_id, n.assignee_id, n.customer_id, n.created_at)
              IS DISTINCT FROM (o.status, o.channel, o.category_id, o.team_id, o.assignee_id, o.customer_id,
                                o.created_at)
        UNION
        SELECT t.id FROM previous_rows o JOIN changed_rows n ON n.id = o.id
        JOIN tickets t ON t.customer_id = o.customer_id WHERE n.customer_id IS DISTINCT FROM o.customer_id
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO report_pending (ticket_id)
        SELECT t.id FROM previous_rows o JOIN tickets t ON t.customer_id = o.customer_id
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$"""
# The stopped clocks per day and cell (report_clock_cells) follow every row of report_clocks that
# comes or goes, whoever removes it (a refresh, or a ticket's deletion cascading); one statement at
# a time changes the counts, so two refreshes never wait on each other's cells in a circle.
_COUNT_CELLS = """
CREATE FUNCTION report_count_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('report_clock_cells'));
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_clock_cells AS c (name, day, bucket, clocks, seconds)
        SELECT name, day, bucket, count(*), sum(seconds) FROM changed_rows WHERE stopped
        GROUP BY name, day, bucket ORDER BY name, day, bucket
        ON CONFLICT (name, day, bucket) DO UPDATE
        SET clocks = c.clocks + excluded.clocks, seconds = c.seconds + excluded.seconds;
    ELSE
        UPDATE report_clock_cells c SET clocks = c.clocks - o.clocks, seconds = c.seconds - o.seconds
        FROM (SELECT name, day, bucket, count(*) AS clocks, sum(seconds) AS seconds FROM previous_rows
              WHERE stopped GROUP BY name, day, bucket) o
        WHERE c.name = o.name AND c.day = o.day AND c.bucket = o.bucket;
        DELETE FROM report_clock_cells c USING (SELECT DISTINCT name, day, bucket FROM previous_rows) o
        WHERE c.clocks <= 0 AND c.name = o.name AND c.day = o.day AND c.bucket = o.bucket;
    END IF;
    RETURN NULL;
END $$"""
_SOURCES = {"tickets": "report_mark_tickets", "sla_clocks": "report_mark_pending",
            "sla_events": "report_mark_pending", "messages": "report_mark_pending"}
_REFERENCING = {"INSERT": "NEW TABLE AS changed_rows", "UPDATE": "OLD TABLE AS previous_rows NEW TABLE AS changed_rows",
                "DELETE": "OLD TABLE AS previous_rows"}


def upgrade():
    op.create_table(
        'report_tickets',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('weekday', sa.SmallInteger(), nullable=False),
        sa.Column('hour', sa.SmallInteger(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('further_contact_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id'),
    )
    op.create_index('ix_report_tickets_day', 'report_tickets', ['day'])
    op.create_table(
        'report_clocks',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('policy_name', sa.String(length=64), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('stopped', sa.Boolean(), nullable=False),
        sa.Column('running', sa.Boolean(), nullable=False),
        sa.Column('breached', sa.Boolean(), nullable=False),
        sa.Column('due_at', UTCDateTime(), nullable=True),
        sa.Column('target_seconds', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Double(), nullable=False),
        sa.Column('bucket', sa.SmallInteger(), nullable=False),
        sa.Column('earlier_met', sa.Integer(), nullable=False),
        sa.Column('earlier_breached', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id', 'name'),
    )
    op.create_index('ix_report_clocks_day', 'report_clocks', ['day'])
    op.create_index('ix_report_clocks_cells', 'report_clocks', ['name', 'bucket', 'day', 'seconds'],
                    postgresql_include=['channel', 'category_id', 'team_id', 'assignee_id'],
                    postgresql_where=sa.text('stopped'), sqlite_where=sa.text('stopped'))
    promise = sa.text("name = 'first_response' AND channel = 'email'")
    op.create_index('ix_report_clocks_promise', 'report_clocks', ['week'],
                    postgresql_include=['day', 'stopped', 'seconds', 'breached', 'due_at', 'target_seconds',
                                        'category_id', 'team_id', 'assignee_id'],
                    postgresql_where=promise, sqlite_where=promise)
    op.create_table(
        'report_clock_cells',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('bucket', sa.SmallInteger(), nullable=False),
        sa.Column('clocks', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('name', 'day', 'bucket'),
    )
    op.create_table(
        'report_solves',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id'),
    )
    op.create_index('ix_report_solves_day', 'report_solves', ['day'])
    op.create_index('ix_report_solves_ticket_id', 'report_solves', ['ticket_id'])
    op.create_table(
        'report_pending',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('ticket_id'),
    )
    if op.get_bind().dialect.name != 'postgresql':
        return  # the reports need PostgreSQL
    op.execute(_MARK_BY_TICKET_ID)
    op.execute(_MARK_TICKETS)
    for table, function in _SOURCES.items():
        for event, referencing in _REFERENCING.items():
            op.execute(f"CREATE TRIGGER report_pending_{event.lower()} AFTER {event} ON {table} "
                       f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    op.execute(_COUNT_CELLS)
    for event, referencing in (("INSERT", "NEW TABLE AS changed_rows"), ("DELETE", "OLD TABLE AS previous_rows")):
        op.execute(f"CREATE TRIGGER report_count_cells_{event.lower()} AFTER {event} ON report_clocks "
                   f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION report_count_cells()")
    # The tickets that exist are summarised by the next refresh (or at once by `helpdesk reports rebuild`).
    op.execute("INSERT INTO report_pending (ticket_id) SELECT id FROM tickets")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in _SOURCES:
            for event in _REFERENCING:
                op.execute(f"DROP TRIGGER report_pending_{event.lower()} ON {table}")
        for event in ("INSERT", "DELETE"):
            op.execute(f"DROP TRIGGER report_count_cells_{event.lower()} ON report_clocks")
        op.execute("DROP FUNCTION report_count_cells()")
        op.execute("DROP FUNCTION report_mark_tickets()")
        op.execute("DROP FUNCTION report_mark_pending()")
    op.drop_table('report_pending')
    op.drop_index('ix_report_solves_ticket_id', table_name='report_solves')
    op.drop_index('ix_report_solves_day', table_name='report_solves')
    op.drop_table('report_solves')
    op.drop_table('report_clock_cells')
    op.drop_index('ix_report_clocks_promise', table_name='report_clocks')
    op.drop_index('ix_report_clocks_cells', table_name='report_clocks')
    op.drop_index('ix_report_clocks_day', table_name='report_clocks')
    op.drop_table('report_clocks')
    op.drop_index('ix_report_tickets_day', table_name='report_tickets')
    op.drop_table('report_tickets')
