# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import sqlite_apply_types
from trytond.transaction import Transaction

from . import formulas
from .exceptions import (
    IncidentError, IncidentLockedError, IncidentWorkflowError)


class PlatformIncident(ServerReadonly, Workflow, ModelSQL, ModelView):
    """An outage, for PLAT

    Open while it is followed (the AMI connector opens one and records the
    end of the outage); closed once its dates are final, then read-only.
    An incident counted by a validated measurement is not reopened."""
    __string__ = "Platform Incident"
    __name__ = 'see.platform.incident'
    _history = True

    _states = {'readonly': Eval('state') != 'open'}

    description = fields.Char("Description", required=True, states=_states)
    component = fields.Selection([
            ('telephony', "Telephony"),
            ('webchat', "Webchat"),
            ('systems', "Systems"),
            ('network', "Network"),
            ], "Component", required=True, states=_states)
    contractor_responsible = fields.Boolean(
        "Contractor's Responsibility", states=_states,
        help="Only incidents in what the contractor is responsible for "
        "count for PLAT.")
    start = fields.DateTime("Start", required=True, states=_states)
    end = fields.DateTime(
        "End", states=_states, help="When the service was back.")
    detected_by = fields.Many2One(
        'res.user', "Detected By", ondelete='RESTRICT', states=_states)
    notified_date = fields.DateTime(
        "Notified to SEE-PE At", states=_states,
        help="When the contractor sent the incident to SEE-PE by e-mail.")
    resolved_date = fields.DateTime(
        "Resolved At", states=_states,
        help="When the contractor answered with the definitive solution.")
    notes = fields.Text("Notes", states=_states)
    state = fields.Selection([
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.start, Index.Range())))
        cls._order.insert(0, ('start', 'DESC'))
        cls._transitions |= {
            ('open', 'closed'),
            ('closed', 'open'),
            }
        cls._buttons.update({
                'close': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'closed',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_contractor_responsible(cls):
        return True

    @classmethod
    def default_detected_by(cls):
        return Transaction().user or None

    @classmethod
    def validate_fields(cls, incidents, field_names):
        super().validate_fields(incidents, field_names)
        for incident in incidents:
            for name in ['end', 'notified_date', 'resolved_date']:
                value = getattr(incident, name)
                if value and value < incident.start:
                    raise IncidentError(gettext(
                            'see_sla.msg_incident_dates',
                            incident=incident.rec_name,
                            field=cls._fields[name].string))

    def get_rec_name(self, name):
        return '%s (%s)' % (
            self.description, self.start.strftime('%d/%m/%Y %H:%M'))

    @classmethod
    def check_modification(cls, mode, incidents, values=None,
            external=False):
        super().check_modification(
            mode, incidents, values=values, external=external)
        if mode == 'delete':
            for incident in incidents:
                if incident.state != 'open':
                    raise IncidentLockedError(gettext(
                            'see_sla.msg_incident_delete',
                            incident=incident.rec_name))
            cls.check_measured(incidents, 'msg_incident_delete_measured')

    def measured(self):
        "Return a validated measurement of a month the incident touches"
        pool = Pool()
        Measurement = pool.get('see.sla.measurement')
        # A day more on each side: the months are local, the dates UTC
        finish = max(filter(None, [self.start, self.end, self.resolved_date]))
        first = formulas.month_start(
            (self.start - dt.timedelta(days=1)).date())
        last = (finish + dt.timedelta(days=1)).date()
        measurements = Measurement.search([
                ('month', '>=', first),
                ('month', '<=', last),
                ('state', 'in', ['validated', 'closed']),
                ], limit=1)
        return measurements[0] if measurements else None

    @classmethod
    def check_measured(cls, incidents, message):
        for incident in incidents:
            if not incident.contractor_responsible:
                continue
            measurement = incident.measured()
            if measurement:
                raise IncidentLockedError(gettext(
                        'see_sla.' + message,
                        incident=incident.rec_name,
                        measurement=measurement.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, incidents):
        for incident in incidents:
            if not incident.end or (incident.contractor_responsible
                    and not incident.resolved_date):
                raise IncidentWorkflowError(gettext(
                        'see_sla.msg_incident_close_dates',
                        incident=incident.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, incidents):
        cls.check_measured(incidents, 'msg_incident_reopen_measured')

    @classmethod
    def downtime(cls, start, end, interval='resolution'):
        """Return the (start, end) intervals of the contractor's incidents
        overlapping start-end, read with one query"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        if interval == 'outage':
            finish = table.end
        else:
            from sql.conditionals import Coalesce
            finish = Coalesce(table.resolved_date, table.end)
        query = table.select(table.start.as_('start'), finish.as_('finish'),
            where=(table.contractor_responsible == True)  # noqa: E712
            & (table.start < end))
        if backend.name == 'sqlite':
            # Else SQLite gives the text of the dates (the demo)
            sqlite_apply_types(query, ['TIMESTAMP', 'TIMESTAMP'])
        cursor.execute(*query)
        return [(s, min(f, end) if f else end) for s, f in cursor
            if (f or end) > start]
