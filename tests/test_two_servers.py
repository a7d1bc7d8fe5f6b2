# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Two independent server instances on one PostgreSQL database stay
consistent, as N app servers behind a reverse proxy (README, Production).

Two `trytond` processes on different ports serve the same database with
the options of config/production.conf that make this work ([cache]
clean_timeout = 0: caches are cleared through PostgreSQL NOTIFY; [bus]:
the long polls listen on PostgreSQL channels) and its middlewares. A
gunicorn worker is such a process too; another machine would be the same.
Everything goes through HTTP, as a browser or an integrating system would:

- a setting changed through instance A is used at once by instance B,
  which had it in its cache;
- a citizen's webchat message sent through A reaches an agent whose
  console long-polls B;
- a card moved on the board through A is announced on the bus of B, whose
  board data then shows it moved.
"""
import configparser
import json
import threading
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

from tests.rpc import Client as RpcClient
from tests.server import TrytonServer, password
from tests.webchat.client import Agent, Citizen

ROOT = Path(__file__).resolve().parent.parent
# A notification reaches the other process in milliseconds; a loaded CI
# machine may take longer, never this long
PROPAGATION = 15


def production_options():
    """The options of config/production.conf that the instances share:
    caches, bus, middlewares, requests at once"""
    production = configparser.RawConfigParser()
    production.read(ROOT / 'config' / 'production.conf', encoding='utf-8')
    options = {name: dict(production[name])
        for name in ['cache', 'bus', 'wsgi middleware']}
    options['see_atendimento'] = {
        'active_requests': production['see_atendimento']['active_requests']}
    # An empty long poll of the board's bus ends after this, not 5 minutes
    options['bus']['long_polling_timeout'] = '2'
    return options


server = TrytonServer(modules=['see_webchat'], web=False,
    config=production_options())


class Instance:
    "The URL and database of one instance, as the clients expect a server"

    def __init__(self, url, database):
        self.url = url
        self.database = database

    @property
    def rpc_url(self):
        return f'{self.url}{self.database}/rpc/'


def setUpModule():
    server.start()


def tearDownModule():
    server.stop()


def wait_for(check, message, timeout=PROPAGATION):
    "Call check until it returns something true; return it"
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


class TwoServersTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # A is the fixture's own process, B another one on its own port
        cls.a = Instance(server.url, server.database)
        cls.b = Instance(server.serve_another(), server.database)
        Configuration = server.proteus('admin').get('see.chat.configuration')
        config = Configuration(1)
        # Each check below opens conversations from the loopback address
        config.address_session_rate = 1000
        config.address_request_rate = 1000
        config.save()

    def rpc(self, instance, role):
        return RpcClient(instance, server.users[role].login, password(role),
            'pt')

    def http(self, instance, client, path, data=None, timeout=30):
        "Status and JSON body of GET (or POST of data) with the session"
        headers = {'Authorization': client.authorization}
        if data is not None:
            data = json.dumps(data).encode()
            headers['Content-Type'] = 'application/json'
        request = urllib.request.Request(
            f'{instance.url}{instance.database}{path}', data=data,
            headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def welcome_on(self, instance):
        "The welcome message of a conversation opened through instance"
        citizen = Citizen(instance)
        status, data = citizen.open(service=server.records['service'])
        self.assertEqual(status, 201, data)
        status, data = citizen.poll()
        self.assertEqual(status, 200, data)
        welcome, = [m['text'] for m in data['messages']
            if m['kind'] == 'welcome']
        return welcome

    def test_setting_changed_on_one_seen_on_other(self):
        "B clears its cached webchat settings when A changes them"
        default = self.welcome_on(self.b)
        # B has the settings in its cache now
        self.assertEqual(self.welcome_on(self.b), default)
        text = "Bem-vindo à central (instância A)!"
        Configuration = server.proteus('admin').get('see.chat.configuration')
        config = Configuration(1)
        config.welcome_message = text
        config.save()  # through A
        wait_for(lambda: self.welcome_on(self.b) == text,
            "instance B still uses its cached welcome message")
        self.assertEqual(self.welcome_on(self.a), text)

    def test_webchat_message_through_other(self):
        "A citizen's message sent through A reaches the agent polling B"
        citizen = Citizen(self.a)
        status, data = citizen.open(name="Joana Duas Instâncias",
            service=server.records['service'])
        self.assertEqual(status, 201, data)
        agent = Agent(self.b, server.users['agent'].login, password('agent'))
        status, state = agent.state(full=1)
        self.assertEqual(status, 200, state)
        self.assertIn(citizen.id, {s['id'] for s in state['queue']})
        status, data = agent.action('accept', session=citizen.id)
        self.assertEqual(status, 200, data)
        status, state = agent.state(full=1)
        self.assertEqual(status, 200, state)
        (last,), = server.query('SELECT max(id) FROM see_chat_message '
            'WHERE session = %s', (citizen.id,))

        answers = []
        # The console's long poll on B, waiting for news after the last
        # message it has
        poll = threading.Thread(target=lambda: answers.append(agent.state(
                    after=f'{citizen.id}:{last}', loaded=[citizen.id],
                    wait=30, version=state['version'])))
        start = time.monotonic()
        poll.start()
        status, data = citizen.send("Minha matrícula não aparece")
        self.assertEqual(status, 201, data)
        poll.join(PROPAGATION + 30)
        elapsed = time.monotonic() - start
        (status, news), = answers
        self.assertEqual(status, 200, news)
        self.assertIn("Minha matrícula não aparece",
            [m['text'] for m in news['messages']
                if m['session'] == citizen.id])
        # Woken by the notification, not by the end of its wait
        self.assertLess(elapsed, PROPAGATION)

    def test_board_move_through_other(self):
        "A card moved through A is announced by B's bus and B's board shows it"
        agent = self.rpc(self.a, 'agent')
        (classification,), = server.query(
            "SELECT id FROM see_classification WHERE code = 'SEEPE'")
        protocol, = agent.model('see.protocol', 'create', [{
                    'requester_name': "Paulo Duas Instâncias",
                    'requester_phone': '+5581988887777',
                    'service': server.records['service'],
                    'classification': classification,
                    'description': "Dúvida para a segunda linha",
                    'state': 'attending',
                    }])
        agent.model('see.protocol', 'escalate_to_see', [protocol],
            "Qual a regra?", False)
        (escalation,), = server.query(
            'SELECT id FROM see_protocol_escalation WHERE protocol = %s',
            (protocol,))
        unit_a = self.rpc(self.a, 'unit')
        unit_b = self.rpc(self.b, 'unit')

        def card(instance, client):
            status, data = self.http(instance, client,
                '/see_atendimento/board/data')
            self.assertEqual(status, 200, data)
            card, = [c for c in data['cards'] if c['id'] == escalation]
            return card

        self.assertEqual(card(self.b, unit_b)['state'], 'new')

        def poll(last=None):
            return self.http(self.b, unit_b, '/bus', {
                    'channels': ['see.board'], 'last_message': last})
        # The first poll starts B's listener of the bus; it ends empty
        # after [bus] long_polling_timeout
        status, data = poll()
        self.assertEqual(status, 200, data)
        last = data['message'] and data['message']['message_id']

        answers = []
        listening = threading.Thread(
            target=lambda: answers.append(poll(last)))
        listening.start()
        status, data = self.http(self.a, unit_a,
            '/see_atendimento/board/move',
            {'id': escalation, 'state': 'analysis'})
        self.assertEqual(status, 200, data)
        self.assertEqual(data['card']['state'], 'analysis')
        listening.join(PROPAGATION)

        def announced():
            # The poll may have ended empty just before the move
            if not answers:
                return None
            status, data = answers.pop()
            self.assertEqual(status, 200, data)
            if data['message'] is None:
                answers.append(poll(last))
                return None
            return data
        data = wait_for(announced, "B's bus did not announce the move")
        self.assertEqual(data['channel'], 'see.board')
        self.assertIn(escalation, data['message']['escalations'])
        self.assertEqual(card(self.b, unit_b)['state'], 'analysis')


if __name__ == '__main__':
    unittest.main()
