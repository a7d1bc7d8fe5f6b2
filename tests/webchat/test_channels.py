# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""WhatsApp and Telegram against a real server: the webhooks are posted
over HTTP (signed as Meta signs them), the server's adapters call local
servers that speak the Graph API and the Bot API, and the agent works
from the console's API. On PostgreSQL, every commit real."""
import json
import unittest
import urllib.error
import urllib.request

from tests.webchat.client import HEALTH_TOKEN, Agent, webchat_server
from trytond.modules.see_webchat.tests.fake_apis import (
    PNG, FakeBotAPI, FakeGraphAPI, WhatsAppCitizen, telegram_update,
    text_message)

server = webchat_server()
PHONE_ID = '2000002'
SECRET = 'segredo-do-app'


def setUpModule():
    server.start()


def tearDownModule():
    server.stop()


def count(table, where='TRUE', params=()):
    return server.query(
        f'SELECT COUNT(*) FROM {table} WHERE {where}', params)[0][0]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class WhatsAppServerTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGraphAPI().start()
        cls.addClassCleanup(cls.fake.stop)
        admin = server.proteus('admin')
        Configuration = admin.get('see.chat.configuration')
        config = Configuration(1)
        config.agent_limit = 10
        config.save()
        Account = admin.get('see.chat.channel.whatsapp')
        account = Account(name="SEE-PE", phone_number_id=PHONE_ID,
            api_url=cls.fake.url, access_token=cls.fake.token,
            app_secret=SECRET, verify_token='verificar')
        account.save()
        cls.webhook = (f'{server.url}{server.database}'
            f'/see_webchat/whatsapp/{account.id}')
        cls.agent = Agent(server, server.users['agent'].login,
            server.users['agent'].password)

    def citizen(self, wa_id):
        return WhatsAppCitizen(self.webhook, SECRET, PHONE_ID, wa_id)

    def sent_to(self, wa_id):
        return [b for b in self.fake.sent('/messages') if b['to'] == wa_id]

    def test_handshake(self):
        "Meta's verification: the challenge echoed to the right token only"
        self.assertEqual(get(self.webhook + '?hub.mode=subscribe'
                '&hub.verify_token=verificar&hub.challenge=1158201444'),
            (200, '1158201444'))
        self.assertEqual(get(self.webhook + '?hub.mode=subscribe'
                '&hub.verify_token=errado&hub.challenge=1')[0], 403)

    def test_forged_signature(self):
        "A post not signed with the app secret is refused, nothing stored"
        citizen = self.citizen('5581990000001')
        before = count('see_chat_channel_event')
        data = {'entry': []}
        forged = self.citizen('5581990000001')
        forged.secret = 'outro-segredo'
        for name, post in [
                ("no signature", lambda: citizen.post(data, signature='')),
                ("not a signature", lambda: citizen.post(
                        data, signature='sha256=00')),
                ("another secret", lambda: forged.say("oi")),
                ]:
            with self.subTest(name):
                self.assertEqual(post()[0], 403)
        self.assertEqual(count('see_chat_channel_event'), before)
        self.assertFalse(self.sent_to('5581990000001'))

    def test_conversation(self):
        """First message to survey and transcript, through the webhooks,
        the console's API and the fake Graph API"""
        wa_id = '5581990000002'
        citizen = self.citizen(wa_id)
        self.assertEqual(citizen.say("Bom dia")[0], 200)
        # The sending runs after the commit: the notice is already out
        notice, = self.sent_to(wa_id)
        self.assertIn('LGPD', notice['interactive']['body']['text'])
        citizen.choose('consent:yes', kind='button_reply')
        citizen.say("Joana Lima")
        citizen.say("pular")
        status, answer = citizen.choose('service:1')
        self.assertEqual(status, 200, answer)
        session_id, phone, channel = server.query(
            "SELECT id, requester_phone, channel FROM see_chat_session "
            "WHERE channel_address = %s", ('+' + wa_id,))[0]
        self.assertEqual((phone, channel), ('+' + wa_id, 'whatsapp'))
        # A retry of Meta (same message id) is recognised
        message_id = citizen.new_id()
        for _ in range(2):
            citizen.message(text_message(message_id, "Minha dúvida"))
        self.assertEqual(count('see_chat_message',
                "session = %s AND text = %s", (session_id, "Minha dúvida")),
            1)

        status, state = self.agent.state(full=1)
        queued = {s['id']: s for s in state['queue']}
        self.assertEqual(queued[session_id]['channel'], 'whatsapp')
        self.assertEqual(self.agent.action('accept', session=session_id)[0],
            200)
        status, data = self.agent.action('send', session=session_id,
            text="Olá, Joana!")
        self.assertEqual(status, 200, data)
        self.assertEqual(self.sent_to(wa_id)[-1]['text']['body'],
            "Olá, Joana!")
        wamid, = server.query("SELECT external_id FROM see_chat_message "
            "WHERE session = %s AND text = %s", (session_id, "Olá, Joana!"))[0]
        citizen.post({'object': 'whatsapp_business_account', 'entry': [{
                        'id': 'W', 'changes': [{'field': 'messages', 'value': {
                                    'messaging_product': 'whatsapp',
                                    'metadata': {'phone_number_id': PHONE_ID},
                                    'statuses': [{'id': wamid,
                                            'status': 'read',
                                            'recipient_id': wa_id}]}}]}]})
        self.assertEqual(server.query("SELECT delivery_state FROM "
                "see_chat_message WHERE external_id = %s", (wamid,))[0][0],
            'read')

        media_id = self.fake.add_media(PNG)
        citizen.message({'id': citizen.new_id(), 'type': 'image',
                'image': {'id': media_id, 'mime_type': 'image/png'}})
        status, state = self.agent.state()
        self.assertTrue(any(m.get('attachment') for m in state['messages']
                if m['session'] == session_id))

        classification, = server.query(
            "SELECT id FROM see_classification WHERE code = 'PADRAO'")[0]
        self.assertEqual(self.agent.action('close', session=session_id,
                classification=classification)[0], 200)
        survey = self.sent_to(wa_id)[-1]
        self.assertEqual(survey['interactive']['type'], 'list')
        citizen.choose('score:10')
        state, score, number = server.query(
            "SELECT s.state, p.survey_score, p.number FROM see_chat_session s "
            "JOIN see_protocol p ON p.id = s.protocol WHERE s.id = %s",
            (session_id,))[0]
        self.assertEqual((state, score), ('closed', 10))
        texts = [r[0] for r in server.query("SELECT text FROM "
                "see_chat_message WHERE session = %s ORDER BY id",
                (session_id,))]
        self.assertIn("Minha dúvida", texts)
        self.assertIn("Olá, Joana!", texts)
        self.assertEqual(texts[-1], '10')

    def health(self):
        "The status of /see/health and its check of the app accounts"
        request = urllib.request.Request(
            f'{server.url}{server.database}/see/health',
            headers={'Authorization': f'Bearer {HEALTH_TOKEN}'})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        checks = {c['name']: c for c in json.loads(body)['checks']}
        return status, checks['chat_channels'], body

    def test_health(self):
        "The health endpoint tells whether each account reaches its provider"
        citizen = self.citizen('5581990000003')
        citizen.say("oi")
        status, check, body = self.health()
        self.assertEqual(status, 200, check)
        account, = [a for a in check['accounts']
            if a['channel'] == 'whatsapp']
        self.assertTrue(account['last_success'])
        self.assertNotIn(b'app_secret', body)
        self.fake.fail_next = 1
        citizen.say("alô?")
        status, check, _ = self.health()
        self.assertEqual(status, 503, check)
        self.assertFalse(check['ok'])
        self.assertIn(account['account'], check['message'])
        citizen.say("sim")
        status, check, _ = self.health()
        self.assertEqual(status, 200, check)


class TelegramServerTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeBotAPI().start()
        cls.addClassCleanup(cls.fake.stop)
        Account = server.proteus('admin').get('see.chat.channel.telegram')
        account = Account(name="Bot", api_url=cls.fake.url,
            bot_token=cls.fake.token, secret_token='token-secreto')
        account.save()
        cls.webhook = (f'{server.url}{server.database}'
            f'/see_webchat/telegram/{account.id}')

    def post(self, data, token='token-secreto'):
        request = urllib.request.Request(self.webhook,
            data=json.dumps(data).encode(), method='POST', headers={
                'Content-Type': 'application/json',
                'X-Telegram-Bot-Api-Secret-Token': token})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def test_secret_token_and_text(self):
        "Without the secret token refused; with it the bot answers"
        self.assertEqual(self.post(telegram_update(1, 42, "oi"),
                token='errado'), 403)
        self.assertFalse(self.fake.sent('sendMessage'))
        self.assertEqual(self.post(telegram_update(1, 42, "oi")), 200)
        sent, = self.fake.sent('sendMessage')
        self.assertEqual(sent['chat_id'], '42')
        self.assertIn('LGPD', sent['text'])
