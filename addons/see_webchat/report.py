# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Figures of item 3.2.3.2 for webchat, per day, as SQL aggregates.

- requests received: messages of the requesters;
- responses: messages of the agents;
- average response time: of the agents' messages (see
  `see.chat.message.response_time`);
- agents logged in: distinct agents whose console was open that day;
- conversations started and concluded.
"""
import datetime as dt

from sql import Literal, Union
from sql.aggregate import Avg, Count, Max, Sum
from sql.conditionals import Case
from sql.functions import CurrentDate, Extract, Function

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.modules.see_atendimento.tabular import PeriodContext
from trytond.pool import Pool
from trytond.transaction import Transaction


class DateOf(Function):
    "The date of a timestamp; PostgreSQL and SQLite both know DATE()"
    __slots__ = ()
    _function = 'DATE'


def _day(column):
    return DateOf(column)


class FiguresContext(PeriodContext, ModelView):
    __string__ = "Webchat Figures Context"
    __name__ = 'see.chat.figures.context'


class Figures(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Webchat Figures"
    __name__ = 'see.chat.figures'

    date = fields.Date("Date", readonly=True)
    sessions = fields.Integer("Conversations", readonly=True)
    concluded = fields.Integer("Concluded", readonly=True)
    received = fields.Integer(
        "Requests Received", readonly=True,
        help="Messages sent by the requesters.")
    responses = fields.Integer(
        "Responses", readonly=True, help="Messages sent by the agents.")
    response_time = fields.Float(
        "Average Response Time (s)", readonly=True, digits=(16, 1))
    agents = fields.Integer("Agents Logged In", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def _period(cls):
        context = Transaction().context
        today = dt.date.today()
        from_date = context.get('from_date') or today.replace(day=1)
        to_date = context.get('to_date') or today
        return from_date, to_date

    @classmethod
    def table_query(cls):
        from_date, to_date = cls._period()
        start = dt.datetime.combine(from_date, dt.time())
        end = dt.datetime.combine(to_date + dt.timedelta(days=1), dt.time())
        return cls.figures_query(start, end)

    @classmethod
    def figures_query(cls, start, end):
        "Per day rows of the figures over [start, end)"
        pool = Pool()
        Message = pool.get('see.chat.message')
        Session = pool.get('see.chat.session')
        Presence = pool.get('see.chat.agent.presence')
        message = Message.__table__()
        session = Session.__table__()
        presence = Presence.__table__()

        msg_day = _day(message.date)
        messages = message.select(
            msg_day.as_('day'),
            Count(Case((message.author_type == 'citizen', 1))).as_(
                'received'),
            Count(Case((message.author_type == 'agent', 1))).as_(
                'responses'),
            Avg(Extract('EPOCH', message.response_time)).cast('FLOAT').as_(
                'response_time'),
            Literal(0).cast('INTEGER').as_('sessions'),
            Literal(0).cast('INTEGER').as_('concluded'),
            Literal(0).cast('INTEGER').as_('agents'),
            where=(message.date >= start) & (message.date < end)
            & ((message.author_type == 'citizen')
                & (message.kind == 'text')
                | (message.author_type == 'agent')),
            group_by=[msg_day])
        session_day = _day(session.start_date)
        sessions = session.select(
            session_day.as_('day'),
            Literal(0).cast('INTEGER').as_('received'),
            Literal(0).cast('INTEGER').as_('responses'),
            Literal(None).cast('FLOAT').as_('response_time'),
            Count(session.id).as_('sessions'),
            Count(session.end_date).as_('concluded'),
            Literal(0).cast('INTEGER').as_('agents'),
            where=(session.start_date >= start) & (session.start_date < end),
            group_by=[session_day])
        presence_day = _day(presence.start)
        agents = presence.select(
            presence_day.as_('day'),
            Literal(0).cast('INTEGER').as_('received'),
            Literal(0).cast('INTEGER').as_('responses'),
            Literal(None).cast('FLOAT').as_('response_time'),
            Literal(0).cast('INTEGER').as_('sessions'),
            Literal(0).cast('INTEGER').as_('concluded'),
            Count(presence.user, distinct=True).as_('agents'),
            where=(presence.start >= start) & (presence.start < end),
            group_by=[presence_day])
        union = Union(messages, sessions, agents, all_=True)
        return union.select(
            Max(Extract('YEAR', union.day) * 10000
                + Extract('MONTH', union.day) * 100
                + Extract('DAY', union.day)).cast('INTEGER').as_('id'),
            Literal(0).as_('create_uid'),
            Max(CurrentDate()).as_('create_date'),
            Literal(None).cast('INTEGER').as_('write_uid'),
            Literal(None).cast('TIMESTAMP').as_('write_date'),
            union.day.as_('date'),
            Sum(union.sessions).as_('sessions'),
            Sum(union.concluded).as_('concluded'),
            Sum(union.received).as_('received'),
            Sum(union.responses).as_('responses'),
            Max(union.response_time).as_('response_time'),
            Sum(union.agents).as_('agents'),
            group_by=[union.day])

    @classmethod
    def totals(cls, start, end):
        """Figures of item 3.2.3.2 over [start, end): one dictionary

        agents counts distinct agents over the whole period."""
        pool = Pool()
        Message = pool.get('see.chat.message')
        Session = pool.get('see.chat.session')
        Presence = pool.get('see.chat.agent.presence')
        message = Message.__table__()
        session = Session.__table__()
        presence = Presence.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*message.select(
                Count(Case(((message.author_type == 'citizen')
                            & (message.kind == 'text'), 1))),
                Count(Case((message.author_type == 'agent', 1))),
                Avg(Extract('EPOCH', message.response_time)),
                where=(message.date >= start) & (message.date < end)))
        received, responses, response_time = cursor.fetchone()
        cursor.execute(*session.select(
                Count(session.id), Count(session.end_date),
                where=(session.start_date >= start)
                & (session.start_date < end)))
        sessions, concluded = cursor.fetchone()
        cursor.execute(*presence.select(
                Count(presence.user, distinct=True),
                where=(presence.start < end) & (presence.last_seen >= start)))
        agents, = cursor.fetchone()
        return {
            'sessions': sessions,
            'concluded': concluded,
            'received': received,
            'responses': responses,
            'response_time': (float(response_time)
                if response_time is not None else None),
            'agents': agents,
            }
