# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""TME and TMA of the in-person service as see_sla indicators

Registered only when see_sla is installed (`[register see_sla]`): the
module does not depend on it. see_sla's indicators are percentages of
records compared with bands, so the times are contracted the way service
levels are: the share of the tickets of the month whose waiting time (TMEP)
or attendance time (TMAP), as statistics.py defines them, is within the
indicator's time limit. The line's explanation gives the month's average
time too. A ticket belongs to the month (and to its routine or special
periods) by its issue date."""
from sql.aggregate import Count, Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .statistics import segments_query

SOURCES = [
    ('tmep', "TMEP - In-Person Waiting Time"),
    ('tmap', "TMAP - In-Person Attendance Time"),
    ]
CHANNEL = ('presencial', "In Person")
# The segments each source counts and the ticket field that searches them
KINDS = {
    'tmep': ('wait', 'waiting_seconds'),
    'tmap': ('attendance', 'attendance_seconds'),
    }


def _add_selection(field, values):
    for value in values:
        if value not in field.selection:
            field.selection.append(value)


def _minutes(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return '%d:%02d' % (minutes, seconds)


class Indicator(metaclass=PoolMeta):
    __name__ = 'see.sla.indicator'

    time_limit_seconds = fields.Integer(
        "Time Limit (s)",
        domain=['OR', ('time_limit_seconds', '=', None),
            ('time_limit_seconds', '>', 0)],
        states={
            'invisible': ~Eval('source').in_(list(KINDS)),
            'required': Eval('source').in_(list(KINDS)),
            },
        help="TMEP counts the in-person tickets that waited at most this "
        "time until called; TMAP those attended within it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        _add_selection(cls.source, SOURCES)
        _add_selection(cls.channel, [CHANNEL])


class MeasurementLine(metaclass=PoolMeta):
    __name__ = 'see.sla.measurement.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        _add_selection(cls.channel, [CHANNEL])


class Measurement(metaclass=PoolMeta):
    __name__ = 'see.sla.measurement'

    def _ticket_counts(self, indicator, kinds, source):
        from trytond.modules.see_sla.measurement import Counts
        kind, field = KINDS[source]
        periods = self.get_periods()
        ranges = self.utc_ranges([s for k in kinds for s in periods[k]])
        limit = indicator.time_limit_seconds or 0
        segments = segments_query(
            lambda t: self._in_ranges(t.issue_date, ranges))
        per_ticket = segments.select(
            segments.ticket.as_('ticket'),
            Sum(segments.seconds).as_('seconds'),
            where=segments.kind == kind,
            group_by=[segments.ticket])
        cursor = Transaction().connection.cursor()
        cursor.execute(*per_ticket.select(
                Count(per_ticket.ticket),
                Sum(Case((per_ticket.seconds <= limit, 1), else_=0)),
                Sum(per_ticket.seconds)))
        total, within, seconds = cursor.fetchone()
        total, within = total or 0, within or 0
        domain = [self._domain_ranges('issue_date', ranges)]
        note = gettext('see_presencial.msg_explanation_%s' % source,
            tickets=total, limit=_minutes(limit),
            average=_minutes(float(seconds) / total) if total else '-')
        return Counts(within, total, 'see.ticket',
            domain + [(field, '<=', limit)],
            domain + [(field, '!=', None)], note)

    def count_tmep(self, indicator, kinds):
        "TMEP: tickets called within the limit / tickets called"
        return self._ticket_counts(indicator, kinds, 'tmep')

    def count_tmap(self, indicator, kinds):
        "TMAP: tickets attended within the limit / tickets attended"
        return self._ticket_counts(indicator, kinds, 'tmap')
