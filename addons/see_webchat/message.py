# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The transcript of a conversation: every message, kept for the life of
the contract"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import notify


class Message(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Webchat Message"
    __name__ = 'see.chat.message'

    session = fields.Many2One(
        'see.chat.session', "Conversation", required=True, readonly=True,
        ondelete='RESTRICT')
    protocol = fields.Function(
        fields.Many2One('see.protocol', "Protocol"), 'get_protocol')
    date = fields.DateTime("Date", required=True, readonly=True)
    author_type = fields.Selection([
            ('citizen', "Requester"),
            ('agent', "Agent"),
            ('system', "Attendance"),
            ], "Author Type", required=True, readonly=True)
    author = fields.Many2One(
        'res.user', "Agent", readonly=True, ondelete='RESTRICT')
    author_name = fields.Char("Author", readonly=True)
    kind = fields.Selection([
            ('welcome', "Welcome"),
            ('service', "Service"),
            ('text', "Message"),
            ('article', "Knowledge Base Article"),
            ('escalation', "Escalation Notice"),
            ('quality', "Quality Question"),
            ('score', "Quality Answer"),
            ('notice', "Notice"),
            ], "Kind", required=True, readonly=True)
    text = fields.Text("Text", readonly=True)
    article = fields.Many2One(
        'see.kb.article', "Article", readonly=True, ondelete='RESTRICT')
    interaction = fields.Boolean("Interaction", readonly=True)
    response_time = fields.TimeDelta(
        "Response Time", readonly=True,
        help="For an agent's message: the time since the requester's "
        "oldest message it answers.")
    client_id = fields.Char("Client Identifier", readonly=True)
    attachment = fields.Binary(
        "Attachment", readonly=True, file_id='attachment_id',
        filename='attachment_name')
    attachment_id = fields.Char("Attachment ID", readonly=True)
    attachment_name = fields.Char("Attachment Name", readonly=True)
    attachment_type = fields.Char("Attachment Type", readonly=True)
    attachment_size = fields.Integer("Attachment Size", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('client_id_unique', Unique(t, t.session, t.client_id),
                'see_webchat.msg_message_client_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.session, Index.Equality()),
                    (t.id, Index.Range())),
                Index(t, (t.date, Index.Range()),
                    (t.author_type, Index.Equality(cardinality='low'))),
                })
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    def get_protocol(self, name):
        return self.session.protocol.id if self.session.protocol else None

    @classmethod
    def check_modification(cls, mode, messages, values=None, external=False):
        super().check_modification(
            mode, messages, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise AccessError(gettext('see_webchat.msg_transcript_readonly'))

    @classmethod
    def _response_time(cls, session, now):
        "Time since the oldest message of the citizen not yet answered"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        last_agent = table.select(table.id,
            where=(table.session == session.id)
            & (table.author_type == 'agent'),
            order_by=[table.id.desc], limit=1)
        cursor.execute(*last_agent)
        row = cursor.fetchone()
        where = ((table.session == session.id)
            & (table.author_type == 'citizen')
            & (table.kind == 'text'))
        if row:
            where &= table.id > row[0]
        cursor.execute(*table.select(table.date, where=where,
                order_by=[table.id.asc], limit=1))
        row = cursor.fetchone()
        if row:
            return max(now - row[0], dt.timedelta(0))

    @classmethod
    def post(cls, session, author_type, kind, text, article=None,
            client_id=None, attachment=None):
        "Add a message to the transcript of session and wake the other side"
        pool = Pool()
        Session = pool.get('see.chat.session')
        User = pool.get('res.user')
        now = dt.datetime.now()
        values = {
            'session': session.id,
            'date': now,
            'author_type': author_type,
            'kind': kind,
            'text': text,
            'article': article.id if article else None,
            'client_id': client_id,
            'interaction': kind != 'notice',
            }
        if author_type == 'agent':
            user_id = Transaction().user
            values['author'] = user_id or None
            with without_check_access():
                values['author_name'] = User(user_id).rec_name
            values['response_time'] = cls._response_time(session, now)
        elif author_type == 'citizen':
            values['author_name'] = session.requester_name
        if attachment:
            name, type_, data = attachment
            values.update({
                    'attachment': data,
                    'attachment_name': name,
                    'attachment_type': type_,
                    'attachment_size': len(data),
                    })
        # Update (and so lock) the session before inserting: the messages
        # of a conversation get their ids in the order they are committed,
        # so a reader that has seen one has seen all those before it
        table = Session.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.interaction_count],
                [table.interaction_count
                    + (1 if values['interaction'] else 0)],
                where=table.id == session.id))
        Session._invalidate(session.id)
        with without_check_access():
            message, = cls.create([values])
        # The citizen's page and the agent's console show their own
        # messages from the answer to the sending, and the queue of the
        # agents shows no message
        channels = []
        if author_type != 'citizen':
            channels.append(notify.session_channel(session.id))
        if session.agent and author_type != 'agent':
            channels.append(notify.agent_channel(session.agent.id))
        notify.publish(*channels)
        return message

    @classmethod
    def as_json_list(cls, messages, for_agent=False):
        "as_json of messages, reading only the fields it needs"
        rows = cls.read([m.id for m in messages], [
                'date', 'author_type', 'author_name', 'kind', 'text',
                'attachment_name', 'attachment_type', 'attachment_size',
                'session'])
        result = []
        for row in rows:
            data = {
                'id': row['id'],
                'date': row['date'].isoformat(),
                'author_type': row['author_type'],
                'author_name': row['author_name'] or '',
                'kind': row['kind'],
                'text': row['text'] or '',
                }
            if row['attachment_name']:
                data['attachment'] = {
                    'name': row['attachment_name'],
                    'type': row['attachment_type'],
                    'size': row['attachment_size'],
                    }
            if for_agent:
                data['session'] = row['session']
            result.append(data)
        return result

    def as_json(self, for_agent=False):
        data = {
            'id': self.id,
            'date': self.date.isoformat(),
            'author_type': self.author_type,
            'author_name': self.author_name or '',
            'kind': self.kind,
            'text': self.text or '',
            }
        if self.attachment_name:
            data['attachment'] = {
                'name': self.attachment_name,
                'type': self.attachment_type,
                'size': self.attachment_size,
                }
        if for_agent:
            data['session'] = self.session.id
        return data
