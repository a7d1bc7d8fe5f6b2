# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The video room of an appointment

The two browsers talk peer to peer (WebRTC); the server only passes their
signalling messages (offer, answer, ICE candidates) through short-lived
rows that each side polls, and keeps the text chat on the attendance's
protocol. The citizen enters with the appointment's token, the agent with
the room token that only the staff can read."""
import base64
import datetime as dt
import hashlib
import hmac
import time

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool, PoolMeta

from .exceptions import AppointmentError

SIDES = [
    ('agent', "Agent"),
    ('citizen', "Citizen"),
    ]
SIGNAL_KINDS = {'hello', 'offer', 'answer', 'candidate', 'bye'}
# The signals are needed only while the two browsers connect
SIGNAL_LIFE = dt.timedelta(hours=2)
MAX_PAYLOAD = 20000
MAX_CHAT = 2000


class Signal(ServerReadonly, ModelSQL):
    "A signalling message between the two browsers of a video room"
    __string__ = "Video Room Signal"
    __name__ = 'see.appointment.signal'

    appointment = fields.Many2One(
        'see.appointment', "Appointment", required=True,
        ondelete='CASCADE')
    side = fields.Selection(SIDES, "From", required=True)
    kind = fields.Char("Kind", required=True)
    payload = fields.Text("Payload")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.appointment, Index.Equality()),
                (t.id, Index.Range())))

    @classmethod
    def send(cls, appointment, side, kind, payload):
        if kind not in SIGNAL_KINDS or len(payload or '') > MAX_PAYLOAD:
            raise AppointmentError(
                gettext('see_agendamento.msg_page_invalid'))
        signal, = cls.create([{
                    'appointment': appointment.id,
                    'side': side,
                    'kind': kind,
                    'payload': payload,
                    }])
        return signal

    @classmethod
    def receive(cls, appointment, side, after):
        "The signals of the other side after the id after"
        signals = cls.search([
                ('appointment', '=', appointment.id),
                ('side', '!=', side),
                ('id', '>', after),
                ], order=[('id', 'ASC')], limit=200)
        return [{'id': s.id, 'kind': s.kind, 'payload': s.payload}
            for s in signals]

    @classmethod
    def clean(cls):
        "Forget the signals of the rooms of the past (cron)"
        cls.delete(cls.search([
                    ('create_date', '<', dt.datetime.now() - SIGNAL_LIFE),
                    ]))


class ChatMessage(ServerReadonly, ModelSQL, ModelView):
    "A text message of a video room, kept on the attendance's protocol"
    __string__ = "Video Chat Message"
    __name__ = 'see.appointment.chat'

    appointment = fields.Many2One(
        'see.appointment', "Appointment", required=True, readonly=True,
        ondelete='RESTRICT')
    protocol = fields.Many2One(
        'see.protocol', "Protocol", required=True, readonly=True,
        ondelete='RESTRICT')
    side = fields.Selection(SIDES, "From", required=True, readonly=True)
    author = fields.Char("Author", readonly=True)
    text = fields.Text("Text", required=True, readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def check_modification(cls, mode, messages, values=None, external=False):
        super().check_modification(
            mode, messages, values=values, external=external)
        if external and mode in {'create', 'write', 'delete'}:
            raise AppointmentError(
                gettext('see_agendamento.msg_chat_readonly'))

    @classmethod
    def post(cls, appointment, side, text):
        "Keep a message of the room on the appointment's protocol"
        text = (text or '').strip()
        if not text or len(text) > MAX_CHAT:
            raise AppointmentError(
                gettext('see_agendamento.msg_chat_length', size=MAX_CHAT))
        if not appointment.protocol:
            raise AppointmentError(
                gettext('see_agendamento.msg_video_not_started'))
        author = (appointment.requester_name if side == 'citizen'
            else appointment.protocol.agent.rec_name
            if appointment.protocol.agent else None)
        message, = cls.create([{
                    'appointment': appointment.id,
                    'protocol': appointment.protocol.id,
                    'side': side,
                    'author': author,
                    'text': text,
                    'date': dt.datetime.now(),
                    }])
        return message


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    video_chat = fields.One2Many(
        'see.appointment.chat', 'protocol', "Video Chat", readonly=True)


def room_side(token):
    """The appointment and the side of the room token: the citizen's token
    or the agent's room token; (None, None) when neither"""
    pool = Pool()
    Appointment = pool.get('see.appointment')
    if not token or len(token) > 64:
        return None, None
    for side, field in [('citizen', 'token'), ('agent', 'room_token')]:
        found = Appointment.search([(field, '=', token)], limit=1)
        if found:
            return found[0], side
    return None, None


def ice_servers(now=None):
    """The STUN/TURN servers of the rooms, from [see_agendamento]
    ice_servers: space separated URLs (stun:host:3478 turn:host:3478 and
    so on); none on a local network. TURN credentials are either fixed
    (ice_username and ice_credential) or, with ice_secret (coturn's
    static-auth-secret, use-auth-secret), made for each room and valid
    ice_ttl seconds (8 hours): the browsers never get a lasting password"""
    from trytond import config
    urls = (config.get('see_agendamento', 'ice_servers', default='')
        or '').split()
    if not urls:
        return []
    server = {'urls': urls}
    secret = config.get('see_agendamento', 'ice_secret', default='')
    username = config.get('see_agendamento', 'ice_username', default=None)
    if secret:
        ttl = config.getint('see_agendamento', 'ice_ttl', default=8 * 3600)
        now = now if now is not None else time.time()
        # coturn's TURN REST credentials: expiry:name, HMAC-SHA1 in base64
        server['username'] = '%d:%s' % (int(now) + ttl, username or 'see')
        server['credential'] = base64.b64encode(hmac.new(
                secret.encode(), server['username'].encode(),
                hashlib.sha1).digest()).decode()
    elif username:
        server['username'] = username
        server['credential'] = config.get(
            'see_agendamento', 'ice_credential', default='')
    return [server]
