# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The agents of the webchat: who may attend, how many conversations at
once, whether their console is open, and the replies they pick from"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .chat import HEARTBEAT, _config
from .exceptions import ChatAccessError


def check_agent(user_id=None):
    "Raise unless the user is an attendance agent"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    transaction = Transaction()
    user_id = transaction.user if user_id is None else user_id
    if not user_id:
        return
    group = ModelData.get_id('see_atendimento', 'group_agent')
    # Tryton's cached groups of the user, the implied ones included,
    # instead of a read of the user: the consoles ask on each look
    with transaction.set_user(user_id):
        groups = User.get_groups()
    if group not in groups:
        raise ChatAccessError(gettext('see_webchat.msg_not_agent'))


class Agent(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Webchat Agent"
    __name__ = 'see.chat.agent'

    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    max_sessions = fields.Integer(
        "Simultaneous Conversations", required=True,
        domain=[('max_sessions', '>', 0)],
        help="How many conversations the agent may attend at once.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('user_unique', Unique(t, t.user),
                'see_webchat.msg_agent_user_unique'),
            ]

    @classmethod
    def default_max_sessions(cls):
        return _config().agent_limit

    def get_rec_name(self, name):
        return self.user.rec_name

    @classmethod
    def limit_of(cls, user_id):
        "The number of simultaneous conversations of the user"
        with without_check_access():
            agents = cls.search([('user', '=', user_id)], limit=1)
        if agents:
            return agents[0].max_sessions
        return _config().agent_limit


class Presence(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Webchat Agent Presence"
    __name__ = 'see.chat.agent.presence'

    user = fields.Many2One(
        'res.user', "User", required=True, readonly=True,
        ondelete='RESTRICT')
    start = fields.DateTime("Start", required=True, readonly=True)
    last_seen = fields.DateTime("Last Seen", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.user, Index.Equality()),
                    (t.last_seen, Index.Range())),
                Index(t, (t.start, Index.Range())),
                })
        cls._order = [('start', 'DESC'), ('id', 'DESC')]

    @classmethod
    def heartbeat(cls, user_id):
        "Record that the console of the user is open"
        now = dt.datetime.now()
        timeout = dt.timedelta(seconds=_config().presence_timeout)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, table.last_seen,
                where=(table.user == user_id)
                & (table.last_seen >= now - timeout),
                order_by=[table.last_seen.desc], limit=1))
        row = cursor.fetchone()
        if row:
            # A write every few seconds is enough for a timeout in minutes
            if now - row[1] < min(timeout / 3, HEARTBEAT):
                return
            cursor.execute(*table.update(
                    [table.last_seen, table.write_date],
                    [now, now], where=table.id == row[0]))
        else:
            with without_check_access():
                cls.create([{'user': user_id, 'start': now,
                            'last_seen': now}])

    @classmethod
    def logged_in(cls, user_ids=None):
        "Ids of the users whose console is open"
        now = dt.datetime.now()
        timeout = dt.timedelta(seconds=_config().presence_timeout)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        where = table.last_seen >= now - timeout
        cursor.execute(*table.select(table.user, where=where,
                group_by=[table.user]))
        return {u for u, in cursor}


class StandardReply(
        ServerReadonly, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Webchat Standard Reply"
    __name__ = 'see.chat.reply'

    name = fields.Char("Name", required=True, translate=True)
    text = fields.Text("Text", required=True, translate=True)
    service = fields.Many2One(
        'see.service', "Service", ondelete='CASCADE',
        help="Offered only in conversations about this service; "
        "leave empty for all.")
    active = fields.Boolean("Active")

    @classmethod
    def default_active(cls):
        return True
