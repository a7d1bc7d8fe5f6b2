# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The messaging apps as channels of the chat, against local servers that
speak the WhatsApp Cloud API and the Telegram Bot API: the adapters' HTTP
goes over loopback to them, and the queued sendings are run as Tryton's
worker runs them (`ir.queue` tasks)."""
import base64
import datetime as dt
import json
import unittest

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .fake_apis import (
    PNG, FakeBotAPI, FakeGraphAPI, choice_message, telegram_update,
    text_message, whatsapp_webhook)
from .test_module import _catalog, _user

PHONE_ID = '1000001'
WA_ID = '5581998765432'


def run_tasks():
    "Run the queued tasks as the worker does (each in the transaction)"
    Queue = Pool().get('ir.queue')
    while True:
        tasks = Queue.search([('finished_at', '=', None)],
            order=[('id', 'ASC')])
        if not tasks:
            break
        for task in tasks:
            task.run()


def whatsapp_account(fake):
    Account = Pool().get('see.chat.channel.whatsapp')
    account, = Account.create([{
                'name': "SEE-PE", 'phone_number_id': PHONE_ID,
                'api_url': fake.url, 'access_token': fake.token,
                'app_secret': 'app-secret', 'verify_token': 'verify',
                'reopen_template': 'retomar_atendimento',
                }])
    return account


def post(account, data):
    "What the webhook's route does with a verified post"
    body = json.dumps(data)
    return account.receive(account.parse(json.loads(body)), body)


class WhatsAppTestCase(unittest.TestCase):
    "WhatsApp conversations in the chat"

    @classmethod
    def setUpClass(cls):
        activate_module(['see_webchat', 'see_sla'])
        cls.fake = FakeGraphAPI().start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.fake.requests.clear()
        self.fake.fail_next = 0
        self._ids = 0

    def say(self, account, text=None, message=None):
        self._ids += 1
        message = message or text_message(f'wamid.IN{self._ids}', text)
        return post(account, whatsapp_webhook(PHONE_ID, WA_ID, message))

    def last_sent(self):
        return self.fake.sent('/messages')[-1]

    def identify(self, account, service_index=1):
        "Answer the identification; return the conversation opened"
        Session = Pool().get('see.chat.session')
        self.say(account, "Oi, preciso de ajuda")
        run_tasks()
        notice = self.last_sent()
        self.assertEqual(notice['to'], WA_ID)
        self.assertEqual(notice['interactive']['type'], 'button')
        self.assertIn('LGPD', notice['interactive']['body']['text'])
        self.say(account, message=choice_message('wamid.CONSENT',
                'consent:yes', kind='button_reply'))
        self.say(account, "Maria da Silva")
        self.say(account, "529.982.247-25")
        run_tasks()
        services = self.last_sent()
        # Up to 3 services as buttons, a list beyond
        self.assertEqual(services['type'], 'interactive')
        self.assertIn('"service:1"', json.dumps(services))
        self.assertFalse(Session.search([('channel', '=', 'whatsapp')]))
        self.say(account, message=choice_message('wamid.SERVICE',
                f'service:{service_index}'))
        run_tasks()
        session, = Session.search([
                ('channel', '=', 'whatsapp'),
                ('state', '=', 'waiting')])
        return session

    @with_transaction()
    def test_conversation(self):
        """From the first message to the survey: the identification with
        the LGPD notice, the queue, the agent, media, statuses and the
        transcript; counted as a widget conversation"""
        pool = Pool()
        Session = pool.get('see.chat.session')
        Message = pool.get('see.chat.message')
        Event = pool.get('see.chat.channel.event')
        _, service, _, classifications = _catalog()
        account = whatsapp_account(self.fake)
        ana = _user('ana', 'see_atendimento.group_agent')

        session = self.identify(account)
        self.assertEqual(session.requester_phone, '+5581998765432')
        self.assertEqual(session.channel_address, '+5581998765432')
        self.assertEqual(session.requester_name, "Maria da Silva")
        self.assertEqual(session.requester_cpf, '52998224725')
        self.assertEqual(session.service, service)
        self.assertTrue(session.consent_date)
        welcome = self.last_sent()
        self.assertEqual(welcome['type'], 'text')
        self.assertIn("Maria", welcome['text']['body'])

        self.say(account, "Quais documentos levo para a matrícula?")
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_accept(Session.browse([session.id]))
            reply_id, = Session.agent_send(
                [Session(session.id)], "Leve RG e CPF.")
        run_tasks()
        self.assertEqual(self.last_sent()['text']['body'], "Leve RG e CPF.")
        reply = Message(reply_id)
        self.assertEqual(reply.delivery_state, 'sent')
        self.assertTrue(reply.external_id.startswith('wamid.OUT'))

        # A file of the attendance: uploaded to the media endpoint, then
        # sent as a document
        with Transaction().set_user(ana.id):
            form = Message.post(Session(session.id), 'agent', 'text',
                "Segue o formulário", attachment=(
                    'formulario.pdf', 'application/pdf', b'%PDF-1.4 form'))
        run_tasks()
        upload, = [r['body'] for r in self.fake.requests
            if r['path'].endswith(f'/{PHONE_ID}/media')]
        self.assertEqual(upload['fields']['messaging_product'], 'whatsapp')
        self.assertEqual(upload['files']['file'], (
                'formulario.pdf', 'application/pdf', b'%PDF-1.4 form'))
        document = self.last_sent()
        self.assertEqual(document['type'], 'document')
        self.assertEqual(document['document']['filename'], 'formulario.pdf')
        self.assertEqual(document['document']['caption'],
            "Segue o formulário")
        self.assertEqual(self.fake.media[document['document']['id']][0],
            b'%PDF-1.4 form')
        self.assertEqual(Message(form.id).delivery_state, 'sent')

        # Statuses move forward only, and a replay is ignored
        for status in ['delivered', 'read', 'delivered']:
            post(account, whatsapp_webhook(PHONE_ID, WA_ID,
                    statuses=[(reply.external_id, status)]))
        self.assertEqual(Message(reply_id).delivery_state, 'read')

        # An image, downloaded from the media endpoint, as the widget's
        media_id = self.fake.add_media(PNG)
        self.say(account, message={'id': 'wamid.IMG', 'type': 'image',
                'image': {'id': media_id, 'mime_type': 'image/png',
                    'sha256': 'x', 'caption': "Meu comprovante"}})
        image, = Message.search([('attachment_name', '!=', None),
                ('author_type', '=', 'citizen')])
        self.assertEqual(image.attachment, PNG)
        self.assertEqual(image.attachment_type, 'image/png')
        self.assertEqual(image.text, "Meu comprovante")
        # A replay of the same message id stores nothing more
        count = Message.search([], count=True)
        self.assertEqual(post(account, whatsapp_webhook(PHONE_ID, WA_ID,
                    {'id': 'wamid.IMG', 'type': 'image',
                        'image': {'id': media_id, 'mime_type': 'image/png'}})),
            0)
        self.assertEqual(Message.search([], count=True), count)
        # A file whose content is not its type, a location: refused with
        # a notice to the citizen, the event kept as received
        fake_png = self.fake.add_media(b'MZ\x90\x00 not a png')
        self.say(account, message={'id': 'wamid.BAD', 'type': 'image',
                'image': {'id': fake_png, 'mime_type': 'image/png'}})
        # Larger than the widget allows: refused before it is downloaded
        big = self.fake.add_media(PNG + b'\0' * (2 * 1024 * 1024))
        self.say(account, message={'id': 'wamid.BIG', 'type': 'document',
                'document': {'id': big, 'mime_type': 'image/png',
                    'filename': 'grande.png'}})
        self.assertFalse([r for r in self.fake.requests
                if r['path'].endswith(f'/download/{big}')])
        self.say(account, message={'id': 'wamid.LOC', 'type': 'location',
                'location': {'latitude': -8.05, 'longitude': -34.9}})
        self.assertEqual(Message.search([
                    ('attachment_name', '!=', None),
                    ('author_type', '=', 'citizen')], count=True), 1)
        location, = Event.search([('external_id', '=', 'wamid.LOC')])
        self.assertIn('-34.9', location.payload)
        notices = Message.search([
                ('session', '=', session.id), ('kind', '=', 'notice')])
        self.assertGreaterEqual(len(notices), 4)
        self.assertEqual(Event.search([
                    ('external_id', '=', 'wamid.BIG')], count=True), 1)

        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_close([Session(session.id)],
                classifications['PADRAO'].id)
        run_tasks()
        survey = self.last_sent()
        self.assertEqual(survey['interactive']['type'], 'list')
        rows = survey['interactive']['action']['sections'][0]['rows']
        self.assertEqual(len(rows), 10)
        self.say(account, message=choice_message('wamid.SCORE', 'score:9'))
        session = Session(session.id)
        self.assertEqual(session.state, 'closed')
        self.assertEqual(session.protocol.survey_score, 9)
        self.assertEqual(session.protocol.channel, 'webchat')
        transcript = [m.text for m in session.messages]
        self.assertIn("Quais documentos levo para a matrícula?", transcript)
        self.assertIn("Leve RG e CPF.", transcript)
        self.assertIn('9', transcript)

        # The same exchange through the widget is counted the same
        widget, _ = Session.open({'name': "Maria da Silva",
                'phone': '81998765432', 'cpf': '529.982.247-25',
                'service': service.id, 'consent': True}, address='10.0.0.1')
        widget.citizen_send("Quais documentos levo para a matrícula?")
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_accept(Session.browse([widget.id]))
            Session.agent_send([Session(widget.id)], "Leve RG e CPF.")
        with Transaction().set_user(ana.id):
            Message.post(Session(widget.id), 'agent', 'text',
                "Segue o formulário", attachment=(
                    'formulario.pdf', 'application/pdf', b'%PDF-1.4 form'))
        widget.citizen_send("Meu comprovante", attachment={
                'name': 'image.png', 'type': 'image/png',
                'data': base64.b64encode(PNG).decode()})
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_close([Session(widget.id)],
                classifications['PADRAO'].id)
        Session(widget.id).answer_survey(9)
        session, widget = Session(session.id), Session(widget.id)
        self.assertEqual(session.interaction_count, widget.interaction_count)
        names = ['concluded_in_time', 'realized', 'attended', 'billable',
            'first_contact']
        self.assertEqual(
            Session.get_annex_a([session], names),
            {n: {session.id: v[widget.id]} for n, v in
                Session.get_annex_a([widget], names).items()})
        self.assertTrue(session.attended)

    @with_transaction()
    def test_failure_retry_and_window(self):
        """A provider's failure leaves the message queued and retried with
        backoff; after the 24-hour window the template reopens"""
        pool = Pool()
        Session = pool.get('see.chat.session')
        Message = pool.get('see.chat.message')
        Contact = pool.get('see.chat.channel.contact')
        _catalog()
        account = whatsapp_account(self.fake)
        ana = _user('ana', 'see_atendimento.group_agent')
        session = self.identify(account)
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_accept(Session.browse([session.id]))
        run_tasks()
        self.fake.fail_next = 1
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            first, = Session.agent_send([Session(session.id)], "Primeira")
            second, = Session.agent_send([Session(session.id)], "Segunda")
        run_tasks()
        first, second = Message(first), Message(second)
        self.assertEqual(first.delivery_state, 'queued')
        self.assertEqual(first.delivery_attempts, 1)
        self.assertIn('500', first.delivery_error)
        self.assertGreater(first.delivery_next, dt.datetime.now())
        # The order is kept: the second waits for the first
        self.assertEqual(second.delivery_state, 'queued')
        self.assertTrue(Pool().get('see.chat.channel.whatsapp')(
                account.id).last_error)
        # Not due yet: nothing is sent again
        Session.retry_deliveries()
        run_tasks()
        self.assertEqual(Message(first.id).delivery_state, 'queued')
        table = Message.__table__()
        Transaction().connection.cursor().execute(*table.update(
                [table.delivery_next],
                [dt.datetime.now() - dt.timedelta(seconds=1)],
                where=table.id == first.id))
        Session.retry_deliveries()
        run_tasks()
        self.assertEqual(Message(first.id).delivery_state, 'sent')
        self.assertEqual(Message(second.id).delivery_state, 'sent')
        bodies = [b['text']['body'] for b in self.fake.sent('/messages')
            if b['type'] == 'text']
        self.assertEqual(bodies[-2:], ["Primeira", "Segunda"])

        # The citizen's last message is more than 24 hours old
        contact, = Contact.search([])
        ctable = Contact.__table__()
        Transaction().connection.cursor().execute(*ctable.update(
                [ctable.last_inbound],
                [dt.datetime.now() - dt.timedelta(hours=25)]))
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            held, = Session.agent_send([Session(session.id)], "Ainda aí?")
        run_tasks()
        self.assertEqual(Message(held).delivery_state, 'held')
        template = self.last_sent()
        self.assertEqual(template['type'], 'template')
        self.assertEqual(template['template']['name'], 'retomar_atendimento')
        self.say(account, "Sim, estou")
        run_tasks()
        self.assertEqual(Message(held).delivery_state, 'sent')
        self.assertEqual(self.last_sent()['text']['body'], "Ainda aí?")

    @with_transaction()
    def test_secrets_per_role(self):
        "The tokens and the app secret are read by administrators only"
        pool = Pool()
        Account = pool.get('see.chat.channel.whatsapp')
        account = whatsapp_account(self.fake)
        supervisor = _user('sup', 'see_atendimento.group_supervisor')
        admin = _user('adm', 'see_atendimento.group_admin')
        agent = _user('agt', 'see_atendimento.group_agent')
        with Transaction().set_user(supervisor.id), \
                Transaction().set_context(_check_access=True):
            row, = Account.read([account.id], ['name', 'last_success'])
            self.assertEqual(row['name'], "SEE-PE")
            for name in ['access_token', 'app_secret', 'verify_token']:
                with self.subTest(field=name):
                    with self.assertRaises(AccessError):
                        Account.read([account.id], [name])
            with self.assertRaises(AccessError):
                Account.write([Account(account.id)], {'name': "X"})
        with Transaction().set_user(agent.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError):
                Account.read([account.id], ['name'])
        with Transaction().set_user(admin.id), \
                Transaction().set_context(_check_access=True):
            row, = Account.read([account.id], ['app_secret'])
            self.assertEqual(row['app_secret'], 'app-secret')


class TelegramTestCase(unittest.TestCase):
    "Telegram conversations in the chat"

    @classmethod
    def setUpClass(cls):
        activate_module(['see_webchat', 'see_sla'])
        cls.fake = FakeBotAPI().start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    @with_transaction()
    def test_conversation(self):
        "Identification with the phone asked, text and a file both ways"
        pool = Pool()
        Session = pool.get('see.chat.session')
        Message = pool.get('see.chat.message')
        Account = pool.get('see.chat.channel.telegram')
        _, _, _, classifications = _catalog()
        ana = _user('ana', 'see_atendimento.group_agent')
        account, = Account.create([{'name': "Bot SEE-PE",
                    'api_url': self.fake.url, 'bot_token': self.fake.token}])
        chat = 777001
        for update_id, text in enumerate([
                "/start", "Aceito", "José Souza", "(81) 99876-5400",
                "pular", "1. Matrícula"], 1):
            post(account, telegram_update(update_id, chat, text))
            run_tasks()
            if update_id == 1:
                sent = self.fake.sent('sendMessage')[-1]
                self.assertEqual(sent['chat_id'], str(chat))
                self.assertIn('LGPD', sent['text'])
                self.assertEqual(sent['reply_markup']['keyboard'],
                    [[{'text': gettext('see_webchat.msg_app_accept')}]])
        session, = Session.search([('channel', '=', 'telegram')])
        self.assertEqual(session.requester_phone, '+5581998765400')
        self.assertIsNone(session.requester_cpf)
        self.assertEqual(session.channel_address, str(chat))

        file_id = self.fake.add_file(b'%PDF-1.4 declaracao')
        post(account, telegram_update(10, chat, document={
                    'file_id': file_id, 'file_name': 'declaracao.pdf',
                    'mime_type': 'application/pdf', 'file_size': 19}))
        document, = Message.search([('attachment_name', '=',
                    'declaracao.pdf')])
        self.assertEqual(document.attachment, b'%PDF-1.4 declaracao')
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_accept(Session.browse([session.id]))
            Session.agent_send([Session(session.id)], "Recebido.")
        run_tasks()
        self.assertEqual(self.fake.sent('sendMessage')[-1]['text'],
            "Recebido.")
        with Transaction().set_user(ana.id):
            Message.post(Session(session.id), 'agent', 'text', "Assinado",
                attachment=('assinado.pdf', 'application/pdf', b'%PDF-1.4 ok'))
        run_tasks()
        sent, = self.fake.sent('sendDocument')
        self.assertEqual(sent['fields'], {
                'chat_id': str(chat), 'caption': "Assinado"})
        self.assertEqual(sent['files']['document'], (
                'assinado.pdf', 'application/pdf', b'%PDF-1.4 ok'))
        # A replayed update changes nothing
        count = Message.search([], count=True)
        post(account, telegram_update(10, chat, text="de novo"))
        self.assertEqual(Message.search([], count=True), count)
        # The quality question as a keyboard, answered by its button
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_close([Session(session.id)],
                classifications['PADRAO'].id)
        run_tasks()
        keyboard = self.fake.sent('sendMessage')[-1]['reply_markup']
        self.assertEqual(len(keyboard['keyboard']), 11)
        post(account, telegram_update(11, chat, text="8"))
        session = Session(session.id)
        self.assertEqual(session.state, 'closed')
        self.assertEqual(session.protocol.survey_score, 8)
