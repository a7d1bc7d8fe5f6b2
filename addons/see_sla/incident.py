# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.tools import sqlite_apply_types
from trytond.transaction import Transaction

from .exceptions import IncidentError


class PlatformIncident(ModelSQL, ModelView):
    __string__ = "Platform Incident"
    __name__ = 'see.platform.incident'
    _history = True

    description = fields.Char("Description", required=True)
    component = fields.Selection([
            ('telephony', "Telephony"),
            ('webchat', "Webchat"),
            ('systems', "Systems"),
            ('network', "Network"),
            ], "Component", required=True)
    contractor_responsible = fields.Boolean(
        "Contractor's Responsibility",
        help="Only incidents in what the contractor is responsible for "
        "count for PLAT.")
    start = fields.DateTime("Start", required=True)
    end = fields.DateTime("End", help="When the service was back.")
    detected_by = fields.Many2One(
        'res.user', "Detected By", ondelete='RESTRICT')
    notified_date = fields.DateTime(
        "Notified to SEE-PE At",
        help="When the contractor sent the incident to SEE-PE by e-mail.")
    resolved_date = fields.DateTime(
        "Resolved At",
        help="When the contractor answered with the definitive solution.")
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.start, Index.Range())))
        cls._order.insert(0, ('start', 'DESC'))

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
