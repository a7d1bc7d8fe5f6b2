# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""What the accounts of the apps share: the events received once, the
handling of a citizen's message, the record of the provider's health"""
import datetime as dt
import logging
import secrets

from sql import Literal, Null

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .channel import CHANNELS, Outbound, invalidate
from .exceptions import ChatError

logger = logging.getLogger(__name__)
# How fresh the last success of an account is kept
HEALTH_PRECISION = dt.timedelta(seconds=10)


class InboundEvent(ServerReadonly, ModelSQL, ModelView):
    """Every event a provider posted, once: a retry of the provider (same
    identifier) is recognised and ignored, and what the chat could not
    use is kept as received"""
    __string__ = "Chat Channel Event"
    __name__ = 'see.chat.channel.event'

    channel = fields.Selection(CHANNELS, "Channel", readonly=True,
        required=True)
    external_id = fields.Char("External Identifier", readonly=True,
        required=True)
    date = fields.DateTime("Received", readonly=True, required=True)
    kind = fields.Char("Kind", readonly=True)
    payload = fields.Text("Payload", readonly=True)
    message = fields.Many2One('see.chat.message', "Message", readonly=True,
        ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('external_id_unique', Unique(t, t.channel, t.external_id),
                'see_webchat.msg_event_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def seen(cls, channel, external_id):
        return bool(cls.search([
                    ('channel', '=', channel),
                    ('external_id', '=', external_id),
                    ], limit=1))

    @classmethod
    def record(cls, channel, event, payload, message=None):
        with without_check_access():
            cls.create([{
                        'channel': channel,
                        'external_id': event.external_id,
                        'date': dt.datetime.now(),
                        'kind': event.kind,
                        'payload': payload,
                        'message': message.id if message else None,
                        }])


class Account(ServerReadonly, ModelSQL, ModelView):
    """What the accounts of the apps share: the receiving of events, the
    record of the last success and failure of the provider"""
    active = fields.Boolean("Active")
    name = fields.Char("Name", required=True)
    api_url = fields.Char("API Address", required=True,
        help="The provider's API; changed only to test against a local "
        "server.")
    reopen_template = None
    last_success = fields.DateTime("Last Success", readonly=True)
    last_error = fields.Char("Last Error", readonly=True)
    last_error_date = fields.DateTime("Last Error Date", readonly=True)
    failing = fields.Boolean("Failing", readonly=True,
        help="The last call to the provider failed.")

    @classmethod
    def default_active(cls):
        return True

    def record_result(self, error):
        "Keep the last success or failure of the provider (for health)"
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        now = dt.datetime.now()
        if error is None:
            # Every sending of every conversation succeeds on this row: it
            # is written when it changes something the health route
            # tells, so that the sendings do not queue on its lock
            cursor.execute(*table.update(
                    [table.last_success, table.failing], [now, False],
                    where=(table.id == self.id)
                    & ((table.failing == Literal(True))
                        | (table.last_success == Null)
                        | (table.last_success < now - HEALTH_PRECISION))))
        else:
            cursor.execute(*table.update(
                    [table.last_error, table.last_error_date, table.failing],
                    [str(error)[:200], now, True],
                    where=table.id == self.id))
        invalidate(self.__name__, [self.id])

    def window_closed(self, session):
        return False

    @classmethod
    def send_prompt(cls, accounts, address, text, choices=None):
        "Send a prompt of the identification (queued task)"
        for account in accounts:
            try:
                account.send(address, Outbound(text, choices=[
                            tuple(c) for c in choices or []] or None))
            except Exception as error:
                logger.info("sending a prompt failed", exc_info=True)
                account.record_result(error)
            else:
                account.record_result(None)

    def receive(self, events, payload):
        """Handle the normalised events of one post of the provider;
        return how many were new"""
        pool = Pool()
        Event = pool.get('see.chat.channel.event')
        Message = pool.get('see.chat.message')
        new = 0
        for event in events:
            if Event.seen(self.channel, event.external_id):
                continue
            new += 1
            message = None
            if event.kind == 'status':
                Message.update_status(event.external_id.split('|')[0],
                    event.status)
            else:
                message = self._receive_message(event)
            Event.record(self.channel, event, payload, message)
        return new

    def _receive_message(self, event):
        pool = Pool()
        Contact = pool.get('see.chat.channel.contact')
        Session = pool.get('see.chat.session')
        Message = pool.get('see.chat.message')
        contact = Contact.of(self, event.address,
            phone=self.phone_of(event.address))
        Contact.write([contact], {'last_inbound': dt.datetime.now()})
        session = contact.open_session()
        if not session:
            if event.kind in {'text', 'choice'}:
                contact.identify(event)
                return None
            contact.reply(gettext('see_webchat.msg_app_identify_first'))
            return None
        if Session.release_held(session):
            Session.deliver_pending([session])
        if session.state == 'survey':
            score = (event.text or '').strip().removeprefix('score:')
            try:
                session.answer_survey(score)
            except UserError as error:
                Message.post(session, 'system', 'notice', error.message)
            return None
        attachment = None
        text = event.text
        if event.kind == 'media':
            try:
                attachment = Session.check_attachment_data(
                    *self.fetch_media(event.media))
            except ChatError as error:
                # Refused as a widget's upload would be; the citizen is told
                Message.post(session, 'system', 'notice', error.message)
                return None
        elif event.kind == 'unsupported':
            Message.post(session, 'system', 'notice',
                gettext('see_webchat.msg_app_unsupported'))
            return None
        try:
            text = session.check_citizen_message(text, attachment)
        except UserError as error:
            Message.post(session, 'system', 'notice', error.message)
            return None
        return Message.post(session, 'citizen', 'text', text,
            attachment=attachment)

    def phone_of(self, address):
        "The phone of the citizen known from the address, if any"
        return None

    @staticmethod
    def new_secret():
        return secrets.token_urlsafe(24)
