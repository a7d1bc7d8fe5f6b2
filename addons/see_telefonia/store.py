# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The statements that store calls and agents, in python-sql

A batch travels as one JSON document read by PostgreSQL's
json_to_recordset: the statement's text is the same for every batch and
the values are encoded by the json module's C code.  The merge rules of
each field are those of events.py; the end of a call follows the rank of
who closed it (see CLOSER_RANK)."""
import datetime as dt
import json

from sql import Column, Conflict, Literal, Null, Table
from sql.conditionals import Case, Coalesce, Greatest, Least
from sql.functions import Extract, Function, Round
from sql.operators import Any

from . import events as ami_events

# Who closed a call, from the most to the least trustworthy end time: the
# PBX's own Hangup, its CDR, Asterisk's queue_log, then the guesses of the
# resynchronisation and the reconciliation (the last event seen).  A
# closer of higher rank replaces the end of a lower one, never the reverse.
CLOSER_RANK = {'hangup': 4, 'cdr': 3, 'queue_log': 2, 'resync': 1,
    'reconcile': 1}
GUESSED_CLOSERS = [k for k, v in CLOSER_RANK.items() if v == 1]

# PostgreSQL type of the columns written by the connector
SQL_TYPES = {name: 'timestamp' for name in ami_events.EARLIEST
    | ami_events.LATEST}
SQL_TYPES.update({name: 'varchar' for name in ami_events.FIRST
    | ami_events.LAST | {'linkedid', 'uniqueid'}})
SQL_TYPES.update(survey_score='integer', transferred='boolean')

AGENT_TYPES = [('interface', 'varchar'), ('name', 'varchar'),
    ('status', 'varchar'), ('paused_reason', 'varchar'),
    ('status_date', 'timestamp'), ('last_call_end', 'timestamp'),
    ('wrapup_seconds', 'integer'), ('queue_name', 'varchar')]


class _Excluded(Table):
    """The row proposed for insertion in ON CONFLICT DO UPDATE

    python-sql's Excluded is spelled "EXCLUDED", a name PostgreSQL does
    not know once quoted."""
    __slots__ = ()

    def __init__(self):
        super().__init__('excluded')

    @property
    def alias(self):
        return 'excluded'

    @property
    def has_alias(self):
        return False


Excluded = _Excluded()


class JsonToRecordset(Function):
    "json_to_recordset(json) AS alias(column type, ...)"
    __slots__ = ()
    _function = 'JSON_TO_RECORDSET'


def _json_default(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(repr(value))


def recordset(rows, definitions):
    "The FROM item of rows (dicts) with the columns definitions"
    document = json.dumps(rows, default=_json_default)
    return JsonToRecordset(Literal(document).cast('JSON'),
        columns_definitions=definitions)


def closer_rank(closed_by):
    return Case(*((closed_by == k, v) for k, v in CLOSER_RANK.items()),
        else_=0)


def merge_calls(table, server_id, user, patches, fill=False):
    """INSERT ... ON CONFLICT merging patches {linkedid: values} into
    table, returning the ids

    With fill, the values only fill what the row lacks (an import from a
    file: the events of the AMI win); the end of the call always follows
    the closers' rank."""
    names = ami_events.CALL_FIELDS
    columns = ['linkedid'] + names
    rows = [dict(patch, linkedid=linkedid)
        for linkedid, patch in sorted(patches.items())]
    source = recordset(rows, [(c, SQL_TYPES[c]) for c in columns])
    old_rank = closer_rank(table.closed_by)
    new_rank = closer_rank(Excluded.closed_by)
    values = []
    for name in names:
        old, new = Column(table, name), Column(Excluded, name)
        if name == 'hangup_date':
            value = Case((new_rank > old_rank, new),
                (new_rank == old_rank, Least(old, new)), else_=old)
        elif name == 'closed_by':
            value = Case((new_rank > old_rank, new), else_=old)
        elif name in ami_events.LATEST:
            value = Greatest(old, new)
        elif name in ami_events.ANY:
            value = Coalesce(old, False) | Coalesce(new, False)
        elif fill or name in ami_events.FIRST:
            value = Coalesce(old, new)
        elif name in ami_events.EARLIEST:
            value = Least(old, new)
        else:  # LAST
            value = Coalesce(new, old)
        values.append(value)
    now = dt.datetime.now()
    return table.insert(
        [table.create_uid, table.create_date, table.server]
        + [Column(table, c) for c in columns],
        source.select(Literal(user), Literal(now), Literal(server_id),
            *(Column(source, c) for c in columns)),
        on_conflict=Conflict(table,
            indexed_columns=[table.server, table.linkedid],
            columns=[Column(table, n) for n in names]
            + [table.write_uid, table.write_date],
            values=values + [Excluded.create_uid, Excluded.create_date]),
        returning=[table.id])


def close_by_cdr(table, server_id, cdrs):
    """UPDATE closing the calls of the CDRs [(uniqueid, time)] whose end
    was not seen or only guessed, returning the ids"""
    source = recordset([{'uniqueid': u, 'hangup_date': w} for u, w in cdrs],
        [('uniqueid', 'varchar'), ('hangup_date', 'timestamp')])
    return table.update([table.hangup_date, table.closed_by],
        [source.hangup_date, 'cdr'], from_=[source],
        where=(table.server == server_id)
        & (table.uniqueid == source.uniqueid)
        & ((table.hangup_date == Null)
            | table.closed_by.in_(GUESSED_CLOSERS)),
        returning=[table.id])


def merge_agents(table, server_id, user, agents):
    """INSERT ... ON CONFLICT of the agents' patches {interface: values}

    The status follows the latest status_date; the end of a call
    (last_call_end, from AgentComplete) frees an agent still in that call
    when no later status came: Asterisk sends QueueMemberStatus after it
    only when the device state changes."""
    rows = [dict(patch, interface=interface)
        for interface, patch in sorted(agents.items())]
    source = recordset(rows, AGENT_TYPES)
    names = [n for n, _ in AGENT_TYPES]
    newer = ((table.status_date == Null) | (Excluded.status_date == Null)
        | (Excluded.status_date >= table.status_date))
    call_ended = ((table.status == 'in_call')
        & (Excluded.last_call_end != Null)
        & ((table.status_date == Null)
            | (Excluded.last_call_end >= table.status_date)))
    status = Case(
        ((Excluded.status != Null) & newer, Excluded.status),
        (call_ended, 'free'),
        else_=table.status)
    status_date = Greatest(table.status_date, Excluded.status_date,
        Case((call_ended, Excluded.last_call_end)))
    return table.insert(
        [table.create_uid, table.create_date, table.server]
        + [Column(table, n) for n in names],
        source.select(Literal(user), Literal(dt.datetime.now()),
            Literal(server_id), *(Column(source, n) for n in names)),
        on_conflict=Conflict(table,
            indexed_columns=[table.server, table.interface],
            columns=[table.name, table.status, table.paused_reason,
                table.status_date, table.last_call_end,
                table.wrapup_seconds, table.queue_name, table.write_date],
            values=[Coalesce(Excluded.name, table.name), status,
                Coalesce(Excluded.paused_reason, table.paused_reason),
                status_date,
                Greatest(table.last_call_end, Excluded.last_call_end),
                Coalesce(Excluded.wrapup_seconds, table.wrapup_seconds),
                Coalesce(Excluded.queue_name, table.queue_name),
                Excluded.create_date]))


def seconds(end, start):
    "Whole seconds from start to end, never negative"
    return Greatest(Round(Extract('EPOCH', end - start)).cast('INTEGER'), 0)


def create_queues(queue, call, user, ids):
    "INSERT of the queues named by the calls ids, unknown until now"
    return queue.insert(
        [queue.create_uid, queue.create_date, queue.server, queue.name,
            queue.active, queue.target_seconds],
        call.select(Literal(user), Literal(dt.datetime.now()), call.server,
            call.queue_name, Literal(True), Literal(60),
            where=(call.id == Any(ids)) & (call.queue_name != Null),
            distinct=True),
        on_conflict=Conflict(queue, indexed_columns=[queue.server,
                queue.name]),
        returning=[queue.id])


def compute_calls(call, queue, agent, user, ids, short_call_seconds,
        short_abandon_seconds, long_abandon_seconds):
    """UPDATE of the queue, agent, seconds and disposition of the calls
    ids from their times"""
    k = call.__class__(call._name)
    mapping = k.join(queue, 'LEFT',
        condition=(queue.server == k.server) & (queue.name == k.queue_name)
        ).join(agent, 'LEFT',
        condition=(agent.server == k.server)
        & (agent.interface == k.agent_interface)
        ).select(k.id, queue.id.as_('queue'), agent.user.as_('agent'),
        where=k.id == Any(ids))
    ivr_exit = Coalesce(call.queue_date, call.answer_date, call.hangup_date)
    ivr = seconds(ivr_exit, call.arrival_date)
    wait = Case((call.queue_date != Null, seconds(
                Coalesce(call.queue_exit_date, call.answer_date,
                    call.hangup_date), call.queue_date)))
    talk = Case((call.answer_date != Null, seconds(
                Coalesce(call.complete_date, call.hangup_date),
                call.answer_date)))
    disposition = Case(
        (call.hangup_date == Null, 'in_progress'),
        (call.answer_date != Null, Case(
                (talk < short_call_seconds, 'short'), else_='answered')),
        (call.queue_exit == 'timeout', 'timeout'),
        (call.queue_date != Null, Case(
                (wait < short_abandon_seconds, 'abandoned_short'),
                (wait > long_abandon_seconds, 'abandoned_long'),
                else_='abandoned')),
        ((call.direction == 'inbound') | (call.direction == Null), 'ivr'),
        else_='unanswered')
    return call.update(
        [call.write_uid, call.write_date, call.queue, call.agent,
            call.ivr_exit_date, call.ivr_seconds, call.wait_seconds,
            call.talk_seconds, call.disposition],
        [user, dt.datetime.now(), Coalesce(mapping.queue, call.queue),
            Coalesce(mapping.agent, call.agent), ivr_exit, ivr, wait, talk,
            disposition],
        from_=[mapping], where=call.id == mapping.id)
