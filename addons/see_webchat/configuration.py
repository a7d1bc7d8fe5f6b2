# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond.cache import Cache
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.transaction import without_check_access

DEFAULT_ATTACHMENT_TYPES = 'image/png image/jpeg application/pdf'


class Configuration(ServerReadonly, ModelSingleton, ModelSQL, ModelView):
    __string__ = "Webchat Configuration"
    __name__ = 'see.chat.configuration'
    # Every page's poll reads the settings: kept between requests until a
    # change, which clears them in every process (as Tryton's caches)
    _settings_cache = Cache('see.chat.configuration.settings', context=False)

    welcome_message = fields.Text(
        "Welcome Message",
        help="Sent to the citizen when the conversation starts; "
        "the standard text is used when empty.")
    token_validity = fields.TimeDelta(
        "Access Validity", required=True,
        domain=[('token_validity', '>', dt.timedelta(0))],
        help="How long the citizen's access to a conversation lasts "
        "after it starts.")
    message_size = fields.Integer(
        "Maximum Message Size", required=True,
        domain=[('message_size', '>', 0)],
        help="Characters of one message.")
    session_message_rate = fields.Integer(
        "Messages per Minute", required=True,
        domain=[('session_message_rate', '>', 0)],
        help="Messages a citizen may send per minute in one conversation.")
    address_session_rate = fields.Integer(
        "Conversations per Hour and Address", required=True,
        domain=[('address_session_rate', '>', 0)],
        help="Conversations that may start from one network address "
        "per hour.")
    address_request_rate = fields.Integer(
        "Requests per Minute and Address", required=True,
        domain=[('address_request_rate', '>', 0)],
        help="Sends from one network address per minute, all "
        "conversations together.")
    attachment_size = fields.Integer(
        "Maximum Attachment Size", required=True,
        domain=[('attachment_size', '>=', 0)],
        help="In bytes; 0 disables attachments.")
    attachment_types = fields.Char(
        "Attachment Types",
        help="Media types allowed for attachments, separated by spaces.")
    agent_limit = fields.Integer(
        "Conversations per Agent", required=True,
        domain=[('agent_limit', '>', 0)],
        help="Default number of conversations an agent may attend at once.")
    presence_timeout = fields.Integer(
        "Agent Presence Timeout", required=True,
        domain=[('presence_timeout', '>', 0)],
        help="Seconds without contact after which an agent's console "
        "counts as logged out.")
    max_wait = fields.TimeDelta(
        "Maximum Wait", required=True,
        domain=[('max_wait', '>', dt.timedelta(0))],
        help="A conversation still waiting for an agent after this time "
        "is marked abandoned.")
    citizen_timeout = fields.TimeDelta(
        "Citizen Absence", required=True,
        domain=[('citizen_timeout', '>', dt.timedelta(0))],
        help="A waiting conversation whose page has not asked for news "
        "for this time (the citizen closed it or lost the connection) "
        "is marked abandoned.")
    survey_wait = fields.TimeDelta(
        "Quality Question Wait", required=True,
        domain=[('survey_wait', '>', dt.timedelta(0))],
        help="A concluded conversation whose quality question has had no "
        "answer for this time is closed without evaluation and leaves the "
        "agent's console.")
    poll_timeout = fields.Integer(
        "Waiting Time of a Request", required=True,
        domain=[('poll_timeout', '>', 0), ('poll_timeout', '<=', 120)],
        help="Seconds a browser waits for new messages before asking "
        "again.")

    @classmethod
    def settings(cls):
        "The configuration, read once between two changes"
        values = cls._settings_cache.get(1)
        if values is None:
            names = [n for n, f in cls._fields.items()
                if not isinstance(f, fields.Function)
                and n not in {'id', 'create_uid', 'create_date',
                    'write_uid', 'write_date'}]
            # As a read of the record's fields: the pages need them all
            with without_check_access():
                values, = cls.read([1], names)
            values = {n: values[n] for n in names}
            cls._settings_cache.set(1, values)
        return cls(1, **values)

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        cls._settings_cache.clear()
        return records

    @classmethod
    def write(cls, *args):
        super().write(*args)
        cls._settings_cache.clear()

    @classmethod
    def delete(cls, records):
        super().delete(records)
        cls._settings_cache.clear()

    @classmethod
    def default_token_validity(cls):
        return dt.timedelta(hours=24)

    @classmethod
    def default_message_size(cls):
        return 2000

    @classmethod
    def default_session_message_rate(cls):
        return 20

    @classmethod
    def default_address_session_rate(cls):
        return 10

    @classmethod
    def default_address_request_rate(cls):
        return 120

    @classmethod
    def default_attachment_size(cls):
        return 2 * 1024 * 1024

    @classmethod
    def default_attachment_types(cls):
        return DEFAULT_ATTACHMENT_TYPES

    @classmethod
    def default_agent_limit(cls):
        return 3

    @classmethod
    def default_presence_timeout(cls):
        return 90

    @classmethod
    def default_max_wait(cls):
        return dt.timedelta(hours=8)

    @classmethod
    def default_citizen_timeout(cls):
        return dt.timedelta(minutes=15)

    @classmethod
    def default_survey_wait(cls):
        return dt.timedelta(minutes=30)

    @classmethod
    def default_poll_timeout(cls):
        return 20

    @property
    def allowed_types(self):
        return set((self.attachment_types or '').split())
