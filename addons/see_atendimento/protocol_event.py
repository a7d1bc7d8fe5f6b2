# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import ProtocolError
from .integrity import ServerReadonly


class ProtocolEvent(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Protocol Event"
    __name__ = 'see.protocol.event'

    protocol = fields.Many2One(
        'see.protocol', "Protocol", required=True, readonly=True,
        ondelete='CASCADE')
    escalation = fields.Many2One(
        'see.protocol.escalation', "Escalation", readonly=True,
        ondelete='CASCADE')
    date = fields.DateTime("Date", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    action = fields.Selection([
            ('create', "Registered"),
            ('start', "Attendance started"),
            ('resolve', "Resolved"),
            ('escalate', "Escalated to SEE-PE"),
            ('escalation_analysis', "Escalation in analysis"),
            ('escalation_forward', "Forwarded to the responsible unit"),
            ('escalation_answer', "Answered by SEE-PE"),
            ('escalation_return', "Returned to the first level"),
            ('answered', "Answer received"),
            ('survey', "Survey answered"),
            ('classification', "Classification corrected"),
            ('close', "Closed"),
            ('cancel', "Cancelled"),
            ('legal_hold', "Placed under legal hold"),
            ('legal_hold_release', "Legal hold released"),
            ], "Action", required=True, readonly=True)
    description = fields.Text("Description", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.protocol, Index.Equality())))

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    @classmethod
    def default_user(cls):
        return Transaction().user

    @classmethod
    def append(cls, vlist):
        """Log the events of vlist (protocol, escalation, action and
        description) as done now by the user, in one INSERT

        Only the workflow writes the log and nothing changes it: its rows
        skip the validation and the checks that create does for records
        people edit, which cost a tenth of each workflow step."""
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        now = dt.datetime.now()
        user = transaction.user
        rows = [[user, CurrentTimestamp(), v['protocol'], v.get('escalation'),
                now, user, v['action'], v.get('description')]
            for v in vlist]
        for sub_rows in grouped_slice(rows, backend.MAX_QUERY_PARAMS // 8):
            cursor.execute(*table.insert([
                        table.create_uid, table.create_date, table.protocol,
                        table.escalation, table.date, table.user,
                        table.action, table.description],
                    list(sub_rows)))

    @classmethod
    def check_modification(cls, mode, events, values=None, external=False):
        super().check_modification(
            mode, events, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise ProtocolError(
                gettext('see_atendimento.msg_event_readonly'))
