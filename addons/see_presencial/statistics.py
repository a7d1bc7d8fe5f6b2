# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The in-person times, defined once: TME (waiting) and TMA (attendance)

A ticket's steps (`see.ticket.event`, in the order of their date) cut its
life into segments, each running from one step to the next one. The state
of a segment is the one its first step leads to:

- after *issue*, *transfer* or *resume* the ticket waits in a queue;
- after *start* the citizen is in attendance at a desk;
- after *call*/*recall* it is called, after *suspend* suspended (the
  citizen left the desk for a while).

**Waiting time (TME)** of a ticket: the sum of its waiting segments that
ended with a *call* or a *transfer*, that is every stretch the citizen
waited until a desk called them. A transfer puts the ticket back in a
queue (it keeps its place, `arrival`, for the order of the queue only): the
wait after it counts too, for the service it waits for. A resumed
suspension is a wait as well (for the desk the citizen left). A wait that
ended with a cancellation (the citizen gave up, or the end of the day) is
not a waiting time: it is counted among the cancelled; a wait still
running is not counted either (the dashboard shows it as the current
longest wait).

**Attendance time (TMA)** of a ticket: the sum of its segments in
attendance, from each *start* to the next step (*suspend*, *finish*,
*transfer*, *cancel*). The time suspended, and the wait and call that
follow a resume, are left out. An attendance still running is not
counted.

Averages are per ticket: the sum of the segments over the number of
distinct tickets that have one. Grouped figures (per service, desk, agent,
hour) take each ticket's segments in that group: a wait belongs to the
service it waited for and to the desk and agent of the call that ended it;
an attendance to the service, desk and agent of its start. The hour is the
hour, in the site's timezone, when the segment began.

`segments_query` gives these segments as SQL, for the dashboard, the
reports and the SLA indicators; `ticket_times` computes them in Python for
one ticket, from its steps.
"""
from sql import Literal, Null, Window
from sql.aggregate import Count, Sum
from sql.conditionals import Case
from sql.functions import Extract, Function, Lag, Lead

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

# Steps after which the ticket waits in a queue
QUEUE_ENTRIES = ('issue', 'transfer', 'resume')
# Steps that end a wait counted in TME: a desk called the ticket, or it
# was sent to another queue where it goes on waiting
WAIT_ENDS = ('call', 'transfer')
# The step after which the citizen is in attendance
ATTENDANCE_START = 'start'


def ticket_times(steps):
    """Return (waiting seconds, attendance seconds) of one ticket

    steps are (date, action) of the ticket's events in their order; a time
    is None when the ticket has no segment of its kind."""
    waiting = attendance = None
    for (date, action), (next_date, next_action) in zip(steps, steps[1:]):
        seconds = (next_date - date).total_seconds()
        if action in QUEUE_ENTRIES and next_action in WAIT_ENDS:
            waiting = (waiting or 0) + seconds
        elif action == ATTENDANCE_START:
            attendance = (attendance or 0) + seconds
    return waiting, attendance


class _JulianDay(Function):
    __slots__ = ()
    _function = 'JULIANDAY'


def seconds_between(start, end):
    "SQL expression of the seconds from start to end (timestamps)"
    if backend.name == 'sqlite':
        return (_JulianDay(end) - _JulianDay(start)) * 86400
    return Extract('EPOCH', end - start)


def steps_query(where=None):
    """Every step of the tickets matching where (a condition on the ticket
    table, given as a function of it), with the step before and after it

    The condition must select whole tickets (never some of their steps):
    the neighbours are taken among the selected rows."""
    pool = Pool()
    Event = pool.get('see.ticket.event')
    Ticket = pool.get('see.ticket')
    event = Event.__table__()
    ticket = Ticket.__table__()
    window = Window([event.ticket], order_by=[event.date.asc, event.id.asc])
    return event.join(ticket, condition=event.ticket == ticket.id).select(
        event.id.as_('id'),
        event.ticket.as_('ticket'),
        ticket.site.as_('site'),
        ticket.day.as_('day'),
        ticket.state.as_('ticket_state'),
        event.date.as_('date'),
        event.action.as_('action'),
        event.service.as_('service'),
        event.desk.as_('desk'),
        event.user.as_('user'),
        Lead(event.date, window=window).as_('next_date'),
        Lead(event.action, window=window).as_('next_action'),
        Lead(event.desk, window=window).as_('next_desk'),
        Lead(event.user, window=window).as_('next_user'),
        Lag(event.service, window=window).as_('previous_service'),
        Lag(event.desk, window=window).as_('previous_desk'),
        where=where(ticket) if where is not None else None)


def segments_query(where=None):
    """The waiting and attendance segments of the tickets matching where
    (see steps_query): ticket, site, day, kind ('wait' or 'attendance'),
    start, service, desk, agent and seconds"""
    steps = steps_query(where)
    wait = (steps.action.in_(list(QUEUE_ENTRIES))
        & steps.next_action.in_(list(WAIT_ENDS)))
    attendance = ((steps.action == ATTENDANCE_START)
        & (steps.next_date != Null))
    return steps.select(
        steps.id.as_('id'),
        steps.ticket.as_('ticket'),
        steps.site.as_('site'),
        steps.day.as_('day'),
        Case((wait, Literal('wait')), else_=Literal('attendance')).as_(
            'kind'),
        steps.date.as_('start'),
        steps.service.as_('service'),
        Case((wait, steps.next_desk), else_=steps.desk).as_('desk'),
        Case((wait, steps.next_user), else_=steps.user).as_('agent'),
        seconds_between(steps.date, steps.next_date).as_('seconds'),
        where=wait | attendance)


def average(segments, kind):
    """SQL aggregates of the average seconds of kind over segments: the
    sum over the distinct tickets that have one"""
    is_kind = segments.kind == kind
    tickets = Count(Case((is_kind, segments.ticket)), distinct=True)
    total = Sum(Case((is_kind, segments.seconds)))
    return Case((tickets > 0, total / tickets), else_=Null)


def tickets_with(segments, kind):
    "SQL aggregate of the number of distinct tickets with a kind segment"
    return Count(Case((segments.kind == kind, segments.ticket)),
        distinct=True)


class Ticket(metaclass=PoolMeta):
    __name__ = 'see.ticket'

    waiting_seconds = fields.Function(fields.Float(
            "Waiting Time (s)", digits=(16, 0),
            help="The time the ticket waited until called, transfers and "
            "returns included (TME)."),
        'get_times', searcher='search_times')
    attendance_seconds = fields.Function(fields.Float(
            "Attendance Time (s)", digits=(16, 0),
            help="The time in attendance at the desks, suspensions left "
            "out (TMA)."),
        'get_times', searcher='search_times')

    @classmethod
    def _times_query(cls, kind, where=None):
        segments = segments_query(where)
        return segments.select(
            segments.ticket.as_('ticket'),
            Sum(segments.seconds).as_('seconds'),
            where=segments.kind == kind,
            group_by=[segments.ticket])

    @classmethod
    def get_times(cls, tickets, names):
        cursor = Transaction().connection.cursor()
        kinds = {'waiting_seconds': 'wait',
            'attendance_seconds': 'attendance'}
        result = {n: dict.fromkeys((t.id for t in tickets)) for n in names}
        in_ = fields.SQL_OPERATORS['in']
        for sub_ids in grouped_slice(
                [t.id for t in tickets], backend.MAX_QUERY_PARAMS):
            for name in names:
                query = cls._times_query(kinds[name],
                    lambda t: in_(t.id, list(sub_ids)))
                cursor.execute(*query)
                for ticket_id, seconds in cursor:
                    result[name][ticket_id] = (
                        float(seconds) if seconds is not None else None)
        return result

    @classmethod
    def search_times(cls, name, clause):
        _, operator, value = clause[:3]
        kind = {'waiting_seconds': 'wait',
            'attendance_seconds': 'attendance'}[name]
        times = cls._times_query(kind)
        if value is None:
            ids = times.select(times.ticket)
            if operator == '=':
                return [('id', 'not in', ids)]
            return [('id', 'in', ids)]
        Operator = fields.SQL_OPERATORS[operator]
        return [('id', 'in', times.select(times.ticket,
                    where=Operator(times.seconds, value)))]
