# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The identification of a citizen of an app, asked in the conversation
as the widget's form asks it: the LGPD notice accepted, the name, the phone
(the number itself for WhatsApp), the CPF (optional) and the service"""
import datetime as dt

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.transaction import Transaction

from .channel import CHANNELS

# Words a citizen may answer to skip the CPF, or to accept the notice
SKIP_WORDS = {'pular', 'nao', 'não', 'n', '-', '0'}
YES_WORDS = {'sim', 's', 'aceito', 'yes', 'accept', 'ok'}


class Contact(ServerReadonly, ModelSQL, ModelView):
    """A citizen of an app: the identification asked in the conversation
    before it enters the queue, and the last conversation"""
    __string__ = "Chat Channel Contact"
    __name__ = 'see.chat.channel.contact'
    _rec_name = 'address'

    channel = fields.Selection(CHANNELS, "Channel", readonly=True,
        required=True)
    account = fields.Reference("Account", selection=[
            ('see.chat.channel.whatsapp', "WhatsApp"),
            ('see.chat.channel.telegram', "Telegram"),
            ], readonly=True, required=True)
    address = fields.Char("Address", readonly=True, required=True)
    step = fields.Selection([
            ('consent', "Privacy Notice"),
            ('name', "Name"),
            ('phone', "Phone"),
            ('cpf', "CPF"),
            ('service', "Service"),
            ('done', "Identified"),
            ], "Step", readonly=True, required=True)
    name = fields.Char("Name", readonly=True)
    phone = fields.Char("Phone", readonly=True)
    cpf = fields.Char("CPF", readonly=True)
    service = fields.Many2One('see.service', "Service", readonly=True,
        ondelete='RESTRICT')
    consent_date = fields.DateTime("Privacy Notice Accepted", readonly=True)
    last_inbound = fields.DateTime("Last Message Received", readonly=True)
    session = fields.Many2One('see.chat.session', "Conversation",
        readonly=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('address_unique', Unique(t, t.account, t.address),
                'see_webchat.msg_contact_unique'),
            ]

    @classmethod
    def default_step(cls):
        return 'consent'

    @classmethod
    def of(cls, account, address, phone=None):
        "The contact of address in account, created at its first message"
        contacts = cls.search([
                ('account', '=', str(account)),
                ('address', '=', address),
                ], limit=1)
        if contacts:
            return contacts[0]
        contact, = cls.create([{
                    'channel': account.channel,
                    'account': str(account),
                    'address': address,
                    'phone': phone,
                    }])
        return contact

    def open_session(self):
        "The conversation the contact is in, if not over"
        Session = Pool().get('see.chat.session')
        if self.session and self.session.state in {
                'waiting', 'active', 'survey'}:
            return Session(self.session.id)

    def reply(self, text, choices=None):
        "A prompt of the identification, sent after the commit"
        with Transaction().set_user(0):
            self.account.__class__.__queue__.send_prompt(
                [self.account.id], self.address, text,
                [list(c) for c in choices or []])

    def identify(self, event):
        """The next step of the identification with the citizen's answer;
        open the conversation when complete"""
        pool = Pool()
        Service = pool.get('see.service')
        from trytond.modules.see_atendimento.party import (
            normalize_cpf, normalize_phone)
        text = ' '.join((event.text or '').split())
        answer = text.lower()
        values = {}
        step = self.step
        if step == 'done' or not self.consent_date and step != 'consent':
            step = 'consent'
            values.update({'name': None, 'cpf': None, 'service': None})
        if step == 'consent':
            # Typed, or the button of the notice
            if answer in YES_WORDS or answer == 'consent:yes':
                values.update({
                        'consent_date': dt.datetime.now(),
                        'step': 'name'})
                self.reply(gettext('see_webchat.msg_app_ask_name'))
            else:
                values.update({'consent_date': None, 'step': 'consent'})
                self.reply(gettext('see_webchat.msg_app_notice'),
                    choices=[('consent:yes', gettext(
                                'see_webchat.msg_app_accept'))])
        elif step == 'name':
            if not text or len(text) > 200:
                self.reply(gettext('see_webchat.msg_app_ask_name'))
            else:
                values.update({'name': text,
                        'step': 'cpf' if self.phone else 'phone'})
                self.reply(gettext('see_webchat.msg_app_ask_cpf')
                    if self.phone else
                    gettext('see_webchat.msg_app_ask_phone'))
        elif step == 'phone':
            phone = normalize_phone(text[:40], 'BR') if text else None
            if not phone:
                self.reply(gettext('see_webchat.msg_app_ask_phone'))
            else:
                values.update({'phone': phone, 'step': 'cpf'})
                self.reply(gettext('see_webchat.msg_app_ask_cpf'))
        elif step == 'cpf':
            cpf = None if answer in SKIP_WORDS else normalize_cpf(text[:20])
            if answer not in SKIP_WORDS and not cpf:
                self.reply(gettext('see_webchat.msg_app_cpf_invalid'))
            else:
                values.update({'cpf': cpf, 'step': 'service'})
                self._ask_service()
        elif step == 'service':
            services = Service.search([], order=[('name', 'ASC')])
            chosen = None
            # 'service:N' from a list, 'N. Service' from a keyboard, 'N'
            number = answer.removeprefix('service:').split('.')[0].strip()
            if number.isdecimal() and 0 < int(number) <= len(services):
                chosen = services[int(number) - 1]
            if not chosen:
                self._ask_service()
            else:
                values.update({'service': chosen.id, 'step': 'done'})
        if values:
            self.write([self], values)
        if values.get('step') == 'done':
            try:
                Pool().get('see.chat.session').open_in_app(self)
            except UserError as error:
                self.write([self], {'step': 'service'})
                self.reply(error.message)

    def _ask_service(self):
        Service = Pool().get('see.service')
        services = Service.search([], order=[('name', 'ASC')])
        lines = [f'{i}. {s.rec_name}' for i, s in enumerate(services, 1)]
        self.reply('\n'.join(
                [gettext('see_webchat.msg_app_ask_service')] + lines),
            choices=[(f'service:{i}', s.rec_name[:24])
                for i, s in enumerate(services, 1)][:10])
