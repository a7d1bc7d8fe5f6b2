# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.transaction import Transaction

from .exceptions import TicketError


class TicketEvent(ServerReadonly, ModelSQL, ModelView):
    "One step of a ticket: who did what, when and at which desk"
    __string__ = "Ticket Step"
    __name__ = 'see.ticket.event'

    ticket = fields.Many2One(
        'see.ticket', "Ticket", required=True, readonly=True,
        ondelete='CASCADE')
    date = fields.DateTime("Date", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    action = fields.Selection([
            ('issue', "Issued"),
            ('call', "Called"),
            ('recall', "Called Again"),
            ('start', "Attendance Started"),
            ('suspend', "Suspended"),
            ('resume', "Resumed"),
            ('transfer', "Transferred"),
            ('finish', "Finished"),
            ('cancel', "Cancelled"),
            ('no_show', "No-Show"),
            ], "Action", required=True, readonly=True)
    desk = fields.Many2One('see.site.desk', "Desk", readonly=True)
    service = fields.Many2One('see.service', "Service", readonly=True)
    description = fields.Text("Description", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]
        cls._sql_indexes.add(Index(t, (t.ticket, Index.Equality())))

    @classmethod
    def append(cls, vlist):
        "Log the steps of vlist as done now by the user, in one INSERT"
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        now = dt.datetime.now()
        user = transaction.user
        if not vlist:
            return
        cursor.execute(*table.insert([
                    table.create_uid, table.create_date, table.ticket,
                    table.date, table.user, table.action, table.desk,
                    table.service, table.description],
                [[user, CurrentTimestamp(), v['ticket'], now, user or None,
                        v['action'], v.get('desk'), v.get('service'),
                        v.get('description')] for v in vlist]))

    @classmethod
    def check_modification(cls, mode, events, values=None, external=False):
        super().check_modification(
            mode, events, values=values, external=external)
        if mode in {'create', 'write', 'delete'} and external:
            raise TicketError(gettext('see_presencial.msg_event_readonly'))
