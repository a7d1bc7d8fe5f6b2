# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The citizen's API against a real server: token, rate and size limits.

Each refusal must be a clear Portuguese message and store nothing."""
import datetime as dt
import time
import unittest

from tests.webchat.client import Agent, Citizen, webchat_server

server = webchat_server()


def setUpModule():
    server.start()


def tearDownModule():
    server.stop()


def count(table, where='TRUE', params=()):
    return server.query(
        f'SELECT COUNT(*) FROM {table} WHERE {where}', params)[0][0]


class WebchatApiTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.service = server.records['service']
        cls.configure(address_session_rate=100, address_request_rate=1000)

    @classmethod
    def configure(cls, **values):
        Configuration = server.proteus('admin').get('see.chat.configuration')
        config = Configuration(1)
        for name, value in values.items():
            setattr(config, name, value)
        config.save()

    def citizen(self, **values):
        citizen = Citizen(server)
        status, data = citizen.open(service=self.service, **values)
        self.assertEqual(status, 201, data)
        return citizen

    def assertRefused(self, result, status, text):
        code, data = result
        self.assertEqual(code, status, data)
        self.assertIn(text, data['error']['message'])

    def test_identification_refused(self):
        "Invalid phone, CPF or missing consent: Portuguese and nothing stored"
        before = count('see_chat_session')
        citizen = Citizen(server)
        self.assertRefused(citizen.open(service=self.service, phone='1234'),
            400, 'não é um telefone válido')
        self.assertRefused(citizen.open(service=self.service,
                cpf='111.111.111-12'), 400, 'não é um CPF válido')
        self.assertRefused(citizen.open(service=self.service, consent=False),
            400, 'aceite o aviso')
        self.assertRefused(citizen.open(service=None), 400,
            'Escolha o serviço')
        self.assertEqual(count('see_chat_session'), before)

    def test_token(self):
        "Forged, missing, another session's and expired tokens"
        first = self.citizen()
        second = self.citizen(name="José")
        self.assertEqual(first.poll()[0], 200)
        messages = count('see_chat_message')
        forged = first.token[:-4] + 'AAAA'
        self.assertRefused(first.poll(token=forged), 403,
            'código de acesso é inválido')
        self.assertRefused(first.send("oi", token=forged), 403,
            'código de acesso é inválido')
        self.assertRefused(first.send("oi", token='-'), 403,
            'código de acesso é inválido')
        self.assertRefused(first.send("oi", token=second.token), 403,
            'pertence a outra conversa')
        self.assertRefused(first.poll(token=second.token), 403,
            'pertence a outra conversa')
        self.assertEqual(count('see_chat_message'), messages)

        self.configure(token_validity=dt.timedelta(seconds=2))
        try:
            expiring = self.citizen(name="Lia")
        finally:
            self.configure(token_validity=dt.timedelta(hours=24))
        time.sleep(2.5)
        messages = count('see_chat_message')
        self.assertRefused(expiring.poll(), 403, 'expirou')
        self.assertRefused(expiring.send("ainda aí?"), 403, 'expirou')
        self.assertEqual(count('see_chat_message'), messages)
        # The token itself is never stored, only its hash
        self.assertEqual(count('see_chat_session', 'token_hash = %s',
                (first.token,)), 0)

    def test_message_size(self):
        "Message and attachment limits"
        self.configure(message_size=50, attachment_size=1024,
            attachment_types='image/png application/pdf')
        try:
            citizen = self.citizen()
            messages = count('see_chat_message')
            self.assertRefused(citizen.send('x' * 51), 413,
                'o limite é 50')
            self.assertRefused(citizen.send('', attachment=(
                        'a.html', 'text/html', b'<script>')), 415,
                'não são aceitos')
            self.assertRefused(citizen.send('', attachment=(
                        'a.pdf', 'application/pdf', b'%PDF-' + b'0' * 2000)),
                415, 'o limite é 1 KB')
            self.assertRefused(citizen.send('', attachment=(
                        'a.png', 'image/png', b'<html>')), 415,
                'não é um arquivo do tipo image/png')
            # A body over the request limit is refused before being read
            status, _ = citizen.call('POST',
                f'/sessions/{citizen.id}/messages', raw=b'{"text": "'
                + b'x' * (5 * 1024 * 1024) + b'"}')
            self.assertEqual(status, 413)
            self.assertEqual(count('see_chat_message'), messages)
            status, data = citizen.send('', attachment=(
                    'a.pdf', 'application/pdf', b'%PDF-1.4 ok'))
            self.assertEqual(status, 201, data)
            self.assertEqual(count('see_chat_message'), messages + 1)
        finally:
            self.configure(message_size=2000, attachment_size=2097152)

    def test_rate_limits(self):
        "Per conversation and per address"
        self.configure(session_message_rate=3)
        try:
            citizen = self.citizen()
            for i in range(3):
                self.assertEqual(citizen.send(f"mensagem {i}")[0], 201)
            messages = count('see_chat_message')
            self.assertRefused(citizen.send("mais uma"), 429,
                'muitas mensagens no último minuto')
            self.assertEqual(count('see_chat_message'), messages)
            # A retried message (same client id) is not a new one
        finally:
            self.configure(session_message_rate=20)
        sessions = count('see_chat_session')
        self.configure(address_session_rate=sessions + 1)
        try:
            self.citizen(name="Ana")
            self.assertRefused(Citizen(server).open(service=self.service),
                429, 'Muitas conversas foram iniciadas')
            self.assertEqual(count('see_chat_session'), sessions + 1)
        finally:
            self.configure(address_session_rate=100)
        # All conversations of an address together (this test's
        # requests come all from 127.0.0.1, already past 2 this minute)
        citizen = self.citizen(name="Beto")
        messages = count('see_chat_message')
        self.configure(address_request_rate=2)
        try:
            self.assertRefused(citizen.send("de novo"), 429,
                'Muitas mensagens enviadas da sua conexão')
            self.assertRefused(Citizen(server).open(service=self.service),
                429, 'Muitas mensagens enviadas da sua conexão')
            self.assertEqual(count('see_chat_message'), messages)
        finally:
            self.configure(address_request_rate=1000)
        self.assertEqual(citizen.send("agora vai")[0], 201)
        # The count is in PostgreSQL, shared by every process serving the
        # webchat, and it keeps only a hash of the address
        self.assertGreater(server.query(
                'SELECT SUM(hits) FROM see_chat_address_rate')[0][0], 3)
        self.assertEqual(count('see_chat_address_rate',
                "address_hash LIKE '%%127.0.0.1%%'"), 0)

    def test_retry_is_idempotent(self):
        "A message sent again after a network loss is stored once"
        citizen = self.citizen()
        first = citizen.send("oi", client_id='abc-1')
        second = citizen.send("oi", client_id='abc-1')
        self.assertEqual(first[1]['message']['id'],
            second[1]['message']['id'])
        self.assertEqual(count('see_chat_message',
                "session = %s AND kind = 'text'", (citizen.id,)), 1)

    def test_long_polling_and_agent(self):
        "A waiting poll returns as soon as the agent answers"
        agent = Agent(server, server.users['agent'].login,
            server.users['agent'].password)
        citizen = self.citizen()
        status, data = citizen.poll()
        self.assertEqual(data['state'], 'waiting')
        self.assertGreaterEqual(data['position'], 1)
        status, state = agent.state(full=1)
        self.assertEqual(status, 200, state)
        self.assertIn(citizen.id, [s['id'] for s in state['queue']])
        self.assertEqual(agent.action('accept', session=citizen.id)[0], 200)
        status, data = citizen.poll()
        self.assertEqual(data['state'], 'active')
        self.assertTrue(data['number'])
        after = max(m['id'] for m in data['messages'])
        import threading
        result = {}

        def wait():
            start = time.monotonic()
            result['poll'] = citizen.poll(after=after, wait=15,
                version=data['version'])
            result['elapsed'] = time.monotonic() - start
        thread = threading.Thread(target=wait)
        thread.start()
        time.sleep(1)
        status, _ = agent.action('send', session=citizen.id,
            text="<script>alert(1)</script> Olá!")
        self.assertEqual(status, 200)
        thread.join(20)
        self.assertLess(result['elapsed'], 5)
        status, polled = result['poll']
        self.assertEqual([m['text'] for m in polled['messages']],
            ["<script>alert(1)</script> Olá!"])
        # Another agent cannot answer it
        other = Agent(server, server.users['agent2'].login,
            server.users['agent2'].password)
        status, data = other.action('send', session=citizen.id, text="x")
        self.assertEqual(status, 404)
        # The auditor cannot accept
        auditor = Agent(server, server.users['auditor'].login,
            server.users['auditor'].password)
        waiting = self.citizen(name="Rui")
        status, data = auditor.action('accept', session=waiting.id)
        self.assertRefused((status, data), 403, 'Somente atendentes')
        self.assertEqual(count('see_chat_session',
                "id = %s AND state = 'waiting'", (waiting.id,)), 1)

    def test_agent_poll_wakes_on_queue_and_conversation(self):
        """The agent's waiting poll returns when a citizen joins the queue,
        still with the agent's conversations, and when a message arrives
        in one of them"""
        import threading
        agent = Agent(server, server.users['agent2'].login,
            server.users['agent2'].password)
        mine = self.citizen(name="Ana Conversa")
        self.assertEqual(agent.action('accept', session=mine.id)[0], 200)
        status, state = agent.state()
        self.assertEqual(status, 200, state)
        last = max(m['id'] for m in state['messages'])

        def wait(result):
            start = time.monotonic()
            result['state'] = agent.state(after=f'{mine.id}:{last}',
                wait=15, version=state['version'], loaded=[mine.id])
            result['elapsed'] = time.monotonic() - start

        result = {}
        thread = threading.Thread(target=wait, args=(result,))
        thread.start()
        time.sleep(1)
        newcomer = self.citizen(name="Bruno Fila")
        thread.join(20)
        self.assertLess(result['elapsed'], 5)
        status, woken = result['state']
        self.assertEqual(status, 200, woken)
        self.assertIn(newcomer.id, [s['id'] for s in woken['queue']])
        self.assertEqual([s['id'] for s in woken['sessions']], [mine.id])
        self.assertEqual(woken['messages'], [])

        state = woken
        result = {}
        thread = threading.Thread(target=wait, args=(result,))
        thread.start()
        time.sleep(1)
        self.assertEqual(mine.send("Ainda está aí?")[0], 201)
        thread.join(20)
        self.assertLess(result['elapsed'], 5)
        status, woken = result['state']
        self.assertEqual([m['text'] for m in woken['messages']],
            ["Ainda está aí?"])


if __name__ == '__main__':
    unittest.main()
