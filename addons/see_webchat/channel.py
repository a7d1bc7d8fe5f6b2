# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Channels of the chat: the web widget and the messaging apps.

Every channel feeds the same `see.chat.session`: the queue, the agent's
console, the close, the quality question, the transcript and see_sla's
measurement do not know where a conversation came from. A channel is an
adapter with three duties:

- inbound: turn what the provider posts into `Inbound` events (a text, a
  file, a status update of a message sent, something not understood);
- outbound: send a message of the attendance to the citizen
  (`send(address, Outbound)`, returning the provider's message id);
- status: record on the message how far it got (sent, delivered, read).

The widget is the adapter with nothing to send: its page reads the messages
by long polling (routes.py). The apps (whatsapp.py, telegram.py) are
accounts configured as data; their citizen identifies in the conversation
(`see.chat.channel.contact`) as the widget's form asks: the LGPD notice
accepted, the name, the phone, the CPF (optional) and the service.

Sending never happens inside the request that posts a message: the message
is marked queued and a task of Tryton's queue (`ir.queue`) sends it after
the commit, with a short timeout; a failure leaves it queued with the time
of its next attempt (exponential backoff), retried by a scheduled task,
and failed after MAX_ATTEMPTS, visible to the supervisor on the message.
"""
import dataclasses
import datetime as dt
import logging
import secrets

from trytond import backend
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

logger = logging.getLogger(__name__)

CHANNELS = [
    ('widget', "Web Widget"),
    ('whatsapp', "WhatsApp"),
    ('telegram', "Telegram"),
    ]
DELIVERY_STATES = [
    (None, ""),
    ('queued', "Queued"),
    ('held', "Held (Window Closed)"),
    ('sent', "Sent"),
    ('delivered', "Delivered"),
    ('read', "Read"),
    ('failed', "Failed"),
    ]
# A status update never moves a message back
DELIVERY_RANK = {'queued': 0, 'held': 0, 'sent': 1, 'delivered': 2,
    'read': 3, 'failed': 4}
MAX_ATTEMPTS = 6
SEND_TIMEOUT = 5


@dataclasses.dataclass
class Inbound:
    """What an adapter makes of an event posted by its provider

    kind: 'text', 'media', 'choice' (an answer to a list or a button),
    'status' (of a message sent) or 'unsupported'."""
    kind: str
    external_id: str
    address: str = ''
    name: str = ''
    text: str = ''
    # media: the provider's reference, read by adapter.fetch_media
    media: dict = None
    status: str = ''
    date: dt.datetime = None


@dataclasses.dataclass
class Outbound:
    "A message to the citizen as an adapter sends it"
    text: str
    # [(id, title)] offered as buttons or a list
    choices: list = None
    template: str = None
    # (name, media type, bytes) of a file
    attachment: tuple = None


def multipart(fields_, file_field, attachment):
    """The body and content type of a multipart/form-data post of fields_
    and the file attachment (name, type, data) as file_field"""
    boundary = secrets.token_hex(16)
    lines = []
    for name, value in fields_.items():
        lines.append(f'--{boundary}\r\nContent-Disposition: form-data; '
            f'name="{name}"\r\n\r\n{value}\r\n'.encode('utf-8'))
    filename, type_, data = attachment
    filename = filename.replace('"', '_').replace('\r', '_').replace(
        '\n', '_')
    lines.append(f'--{boundary}\r\nContent-Disposition: form-data; '
        f'name="{file_field}"; filename="{filename}"\r\n'
        f'Content-Type: {type_}\r\n\r\n'.encode('utf-8') + data + b'\r\n')
    lines.append(f'--{boundary}--\r\n'.encode('ascii'))
    return b''.join(lines), f'multipart/form-data; boundary={boundary}'


class WidgetAdapter:
    """The web widget: its page posts JSON to routes.py and reads the
    messages by long polling, so nothing is sent from here"""
    channel = 'widget'

    def send(self, address, outbound):
        return None


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('see.chat.session|retry_deliveries',
                "Send Again the Chat Messages Not Yet Delivered"))


def invalidate(model_name, ids):
    "Forget the cached values of records changed in SQL"
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        if model_name in cache:
            for id_ in ids:
                cache[model_name].pop(id_, None)


def backoff(attempts):
    "Wait before the next attempt after attempts failed ones"
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class Session(metaclass=PoolMeta):
    __name__ = 'see.chat.session'

    channel = fields.Selection(CHANNELS, "Channel", readonly=True,
        required=True, sort=False)
    channel_account = fields.Reference("Channel Account",
        selection=[
            (None, ''),
            ('see.chat.channel.whatsapp', "WhatsApp"),
            ('see.chat.channel.telegram', "Telegram"),
            ], readonly=True)
    channel_address = fields.Char("Channel Address", readonly=True,
        help="The citizen in the app: the phone number for WhatsApp, "
        "the chat for Telegram.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.channel_address, Index.Equality()),
                (t.state, Index.Equality(cardinality='low'))))

    @classmethod
    def default_channel(cls):
        return 'widget'

    @classmethod
    def open_in_app(cls, contact):
        "Start the conversation of the contact who identified in an app"
        Contact = Pool().get('see.chat.channel.contact')
        session, _ = cls.open({
                'name': contact.name,
                'phone': contact.phone,
                'cpf': contact.cpf,
                'service': contact.service.id if contact.service else None,
                'consent': True,
                }, address=f'{contact.channel}:{contact.address}')
        # The app's conversation is reached by the provider's webhook, not
        # by a token: the one of open() is never given out
        with without_check_access():
            cls.write([session], {
                    'channel': contact.channel,
                    'channel_account': str(contact.account),
                    'channel_address': contact.address,
                    'consent_date': contact.consent_date,
                    })
            Contact.write([contact], {'session': session.id})
        # The welcome was posted before the conversation knew its channel
        Message = Pool().get('see.chat.message')
        table = Message.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.delivery_state], ['queued'],
                where=(table.session == session.id)
                & (table.author_type != 'citizen'), returning=[table.id]))
        invalidate(Message.__name__, [r[0] for r in cursor])
        session = cls(session.id)
        cls.deliver_pending([session])
        return session

    def adapter(self):
        if self.channel == 'widget' or not self.channel_account:
            return WidgetAdapter()
        return self.channel_account

    @classmethod
    def deliver_pending(cls, sessions):
        "Queue the sending of the messages waiting in the sessions"
        pending = [s.id for s in sessions if s.channel != 'widget']
        if pending:
            # Run as the chat, whoever posted the message
            with Transaction().set_user(0):
                cls.__queue__.deliver(pending)

    @classmethod
    def deliver(cls, sessions):
        """Send the queued messages of the sessions in their order; a
        failure stops the session's sending until its next attempt
        (a task of the queue)"""
        now = dt.datetime.now()
        with without_check_access():
            for session in cls.browse([int(s) for s in sessions]):
                if session.channel != 'widget':
                    cls._deliver_session(session, now)

    @classmethod
    def _deliver_session(cls, session, now):
        Message = Pool().get('see.chat.message')
        table = Message.__table__()
        cursor = Transaction().connection.cursor()
        query = table.select(table.id,
            where=(table.session == session.id)
            & (table.delivery_state == 'queued'),
            order_by=[table.id.asc])
        sql, params = tuple(query)
        if backend.name == 'postgresql':
            # Another worker sending the same messages skips them
            sql += ' FOR UPDATE SKIP LOCKED'
        cursor.execute(sql, params)
        ids = [r[0] for r in cursor]
        adapter = session.adapter()
        for message in Message.browse(ids):
            if message.delivery_next and message.delivery_next > now:
                # A message waits for its next attempt: so do those after
                break
            try:
                if adapter.window_closed(session):
                    cls._hold(session, message, adapter)
                    continue
                external_id = adapter.send(
                    session.channel_address, message.outbound())
            except Exception as error:
                # The provider is down or refused: retried later, and the
                # next messages wait so that the order is kept
                logger.info("sending message %s failed", message.id,
                    exc_info=True)
                Message.delivery_failed(message, error)
                adapter.record_result(error)
                break
            Message.set_delivery(message, 'sent', external_id)
            adapter.record_result(None)

    @classmethod
    def _hold(cls, session, message, adapter):
        """The app's window to answer freely is closed: the approved
        template asks the citizen to come back, the message waits"""
        Message = Pool().get('see.chat.message')
        Message.set_delivery(message, 'held')
        if not session.held_template_sent(message):
            adapter.send(session.channel_address, Outbound(
                    text='', template=adapter.reopen_template))

    def held_template_sent(self, message):
        "Whether a message held before this one already sent the template"
        Message = Pool().get('see.chat.message')
        return bool(Message.search([
                    ('session', '=', self.id),
                    ('delivery_state', '=', 'held'),
                    ('id', '!=', message.id),
                    ], limit=1))

    @classmethod
    def release_held(cls, session):
        """The citizen wrote again: send what waited for the window;
        return whether anything waited"""
        Message = Pool().get('see.chat.message')
        table = Message.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.delivery_state],
                ['queued'], where=(table.session == session.id)
                & (table.delivery_state == 'held'),
                returning=[table.id]))
        ids = [r[0] for r in cursor]
        invalidate(Message.__name__, ids)
        return bool(ids)

    @classmethod
    def retry_deliveries(cls):
        "Queue again the messages whose next attempt is due (scheduled)"
        Message = Pool().get('see.chat.message')
        with without_check_access():
            messages = Message.search([
                    ('delivery_state', '=', 'queued'),
                    ('delivery_next', '<=', dt.datetime.now()),
                    ])
            cls.deliver_pending(list({m.session for m in messages}))


class Message(metaclass=PoolMeta):
    __name__ = 'see.chat.message'

    external_id = fields.Char("External Identifier", readonly=True,
        help="The message's identifier at the app's provider.")
    delivery_state = fields.Selection(DELIVERY_STATES, "Delivery",
        readonly=True, sort=False)
    delivery_date = fields.DateTime("Delivery Updated", readonly=True)
    delivery_attempts = fields.Integer("Delivery Attempts", readonly=True)
    delivery_next = fields.DateTime("Next Delivery Attempt", readonly=True)
    delivery_error = fields.Char("Delivery Error", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.external_id, Index.Equality())),
                Index(t, (t.delivery_state, Index.Equality(
                            cardinality='low')),
                    where=t.delivery_state.in_(['queued', 'held'])),
                })

    @classmethod
    def post(cls, session, author_type, kind, text, **kwargs):
        message = super().post(session, author_type, kind, text, **kwargs)
        if session.channel != 'widget' and author_type != 'citizen':
            cls.set_delivery(message, 'queued')
            Pool().get('see.chat.session').deliver_pending([session])
        return message

    def outbound(self):
        "What the adapter sends of this message"
        if self.kind == 'quality':
            # The scale of the quality question, best first
            return Outbound(self.text, choices=[
                    (f'score:{n}', str(n)) for n in range(10, -1, -1)])
        attachment = None
        if self.attachment_name:
            attachment = (self.attachment_name, self.attachment_type,
                self.attachment)
        return Outbound(self.text or '', attachment=attachment)

    # The delivery is written by the sending and the provider's status
    # updates only, in SQL: the transcript is read-only for every user

    @classmethod
    def _update(cls, message_ids, **values):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        values['delivery_date'] = dt.datetime.now()
        columns = [getattr(table, n) for n in values]
        cursor.execute(*table.update(columns, list(values.values()),
                where=table.id.in_(message_ids)))
        invalidate(cls.__name__, message_ids)

    @classmethod
    def set_delivery(cls, message, state, external_id=None):
        values = {'delivery_state': state}
        if external_id:
            values['external_id'] = external_id
        if state == 'sent':
            values['delivery_error'] = None
            values['delivery_next'] = None
        cls._update([message.id], **values)

    @classmethod
    def delivery_failed(cls, message, error):
        attempts = (message.delivery_attempts or 0) + 1
        values = {
            'delivery_attempts': attempts,
            'delivery_error': str(error)[:200],
            }
        if attempts >= MAX_ATTEMPTS:
            values['delivery_state'] = 'failed'
        else:
            values['delivery_next'] = dt.datetime.now() + backoff(attempts)
        cls._update([message.id], **values)

    @classmethod
    def update_status(cls, external_id, status):
        "The provider's status of the message sent as external_id"
        if status not in DELIVERY_RANK:
            return
        before = [s for s, r in DELIVERY_RANK.items()
            if r < DELIVERY_RANK[status]]
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # In one statement: a status arriving late never moves it back
        cursor.execute(*table.update(
                [table.delivery_state, table.delivery_date],
                [status, dt.datetime.now()],
                where=(table.external_id == external_id)
                & table.delivery_state.in_(before),
                returning=[table.id]))
        invalidate(cls.__name__, [r[0] for r in cursor])
