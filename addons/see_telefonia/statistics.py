# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The figures of the calls: statistics and the supervisor's live panel"""
import datetime as dt

from sql import Literal, Null
from sql.aggregate import Avg, Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.calendar_ import local_hour
from trytond.pool import Pool
from trytond.transaction import Transaction

from .ami import to_local, to_utc
from .call import ABANDONED, ANSWERED


class CallStatisticsContext(ModelView):
    __string__ = "Call Statistics Context"
    __name__ = 'see.call.statistics.context'

    from_date = fields.Date("From Date", required=True)
    to_date = fields.Date("To Date", required=True)

    @classmethod
    def default_from_date(cls):
        return dt.date.today().replace(day=1)

    @classmethod
    def default_to_date(cls):
        return dt.date.today()


class CallStatistics(ModelSQL, ModelView):
    "Calls per queue, agent, trunk and hour (Annex D 3), by SQL aggregates"
    __string__ = "Call Statistics"
    __name__ = 'see.call.statistics'

    queue = fields.Many2One('see.telephony.queue', "Queue")
    agent = fields.Many2One('res.user', "Agent")
    trunk = fields.Char("Trunk")
    hour = fields.Integer("Hour")
    received = fields.Integer("Received")
    answered = fields.Integer("Answered")
    answered_60 = fields.Integer(
        "Answered within 60 s", help="In the queue (INS).")
    abandoned = fields.Integer("Abandoned")
    abandoned_60 = fields.Integer("Abandoned after 60 s")
    abandoned_short = fields.Integer("Abandoned before 5 s")
    human = fields.Integer(
        "Received by Operators",
        help="IAR's denominator: answered calls; abandons before 5 s "
        "are not counted.")
    registered = fields.Integer("With Protocol")
    tma = fields.Float("TMA (s)", digits=(16, 0))
    tma_over = fields.Integer(
        "Over 4 min 30 s", help="Answered calls talking longer.")
    ivr_average = fields.Float("IVR Average (s)", digits=(16, 0))
    ivr_over = fields.Integer("IVR over 60 s")
    wait_average = fields.Float("Wait Average (s)", digits=(16, 0))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('hour', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Call = pool.get('see.call')
        call = Call.__table__()
        context = Transaction().context
        Server = pool.get('see.ami.server')
        # The days and hours of the agency, as its panel and measurement
        zone = Server.agency_zone()
        today = dt.datetime.now(zone).date()
        from_date = context.get('from_date') or today.replace(day=1)
        to_date = context.get('to_date') or today
        start = to_utc(dt.datetime.combine(from_date, dt.time()), zone)
        end = to_utc(dt.datetime.combine(
                to_date + dt.timedelta(days=1), dt.time()), zone)
        # The hour in a subquery: grouped by in the same query, the zone
        # would be a second parameter PostgreSQL does not see as the same
        calls = call.select(
            call.id, call.queue, call.agent, call.trunk, call.disposition,
            call.queue_date, call.wait_seconds, call.talk_seconds,
            call.protocol, call.ivr_seconds, call.create_date,
            local_hour(call.arrival_date, zone.key).as_('hour'),
            where=(call.arrival_date >= start) & (call.arrival_date < end)
            & (call.direction == 'inbound'))
        answered = calls.disposition.in_(list(ANSWERED))
        abandoned = calls.disposition.in_(list(ABANDONED))
        wait = Coalesce(calls.wait_seconds, 0)

        def count(condition):
            return Sum(Case((condition, 1), else_=0))
        return calls.select(
            Min(calls.id).as_('id'),
            calls.queue, calls.agent, calls.trunk,
            calls.hour,
            Count(calls.id).as_('received'),
            count(answered).as_('answered'),
            count(answered & (calls.queue_date != Null) & (wait <= 60)
                ).as_('answered_60'),
            count(abandoned).as_('abandoned'),
            count(abandoned & (wait > 60)).as_('abandoned_60'),
            count(abandoned & (wait < 5)).as_('abandoned_short'),
            count(answered).as_('human'),
            count(answered & (calls.protocol != Null)).as_('registered'),
            Avg(Case((answered, calls.talk_seconds))).as_('tma'),
            count(answered & (calls.talk_seconds > 270)).as_('tma_over'),
            Avg(calls.ivr_seconds).as_('ivr_average'),
            count(calls.ivr_seconds > 60).as_('ivr_over'),
            Avg(Case((calls.queue_date != Null, calls.wait_seconds))
                ).as_('wait_average'),
            Literal(0).as_('create_uid'),
            Min(calls.create_date).as_('create_date'),
            cls.write_uid.sql_cast(Null).as_('write_uid'),
            cls.write_date.sql_cast(Null).as_('write_date'),
            group_by=[calls.queue, calls.agent, calls.trunk, calls.hour])


class QueuePanel(ModelSQL, ModelView):
    "Supervisor's live view of the queues (Annex D 2.10)"
    __string__ = "Queue Panel"
    __name__ = 'see.telephony.panel.queue'

    queue = fields.Many2One('see.telephony.queue', "Queue")
    waiting = fields.Integer("Waiting")
    longest_wait = fields.Integer("Longest Wait (s)")
    received = fields.Integer("Received Today")
    answered = fields.Integer("Answered Today")
    service_level = fields.Float(
        "Service Level (%)", digits=(16, 1),
        help="Answered within the queue's target over answered and "
        "abandoned after 5 s, today.")
    abandoned = fields.Integer("Abandoned Today")
    in_call = fields.Integer("In Call")

    @classmethod
    def table_query(cls):
        pool = Pool()
        Call = pool.get('see.call')
        Queue = pool.get('see.telephony.queue')
        call = Call.__table__()
        queue = Queue.__table__()
        Server = pool.get('see.ami.server')
        now = dt.datetime.now()
        # Midnight of the agency's day, in UTC as the calls' dates
        zone = Server.agency_zone()
        today = to_utc(dt.datetime.combine(
                to_local(now, zone).date(), dt.time()), zone)
        waiting = ((call.hangup_date == Null) & (call.queue_date != Null)
            & (call.queue_exit_date == Null) & (call.answer_date == Null))
        answered = call.disposition.in_(list(ANSWERED))
        abandoned = call.disposition.in_(list(ABANDONED))
        wait = Coalesce(call.wait_seconds, 0)

        def count(condition):
            return Sum(Case((condition, 1), else_=0))
        in_time = count(answered & (wait <= queue.target_seconds))
        counted = count(answered | (abandoned & (wait >= 5)))
        return queue.join(call, 'LEFT',
            condition=(call.queue == queue.id)
            & (Coalesce(call.queue_date, call.arrival_date) >= today)
            ).select(
            queue.id.as_('id'),
            queue.id.as_('queue'),
            count(waiting).as_('waiting'),
            Coalesce(Extract('EPOCH', Literal(now) - Min(
                        Case((waiting, call.queue_date)))), 0
                ).cast('INTEGER').as_('longest_wait'),
            Count(call.id).as_('received'),
            count(answered).as_('answered'),
            Case((counted > 0, in_time * 100.0 / counted),
                else_=Null).as_('service_level'),
            count(abandoned).as_('abandoned'),
            count((call.hangup_date == Null) & (call.answer_date != Null)
                ).as_('in_call'),
            Literal(0).as_('create_uid'),
            cls.create_date.sql_cast(Literal(now)).as_('create_date'),
            cls.write_uid.sql_cast(Null).as_('write_uid'),
            cls.write_date.sql_cast(Null).as_('write_date'),
            where=queue.active == Literal(True),
            group_by=[queue.id])
