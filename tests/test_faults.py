# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Behaviour during a PostgreSQL outage, under a small load (issue #17)

gunicorn serves the webchat and the protocols as in docker/Dockerfile
(config/gunicorn.conf.py, the middlewares of config/production.conf) on a
PostgreSQL this test owns (scripts/pgcluster.py, kept under
var/postgres-faults so that its cached database survives between runs).
While clients create protocols over JSON-RPC and a citizen sends chat
messages with a client_id, PostgreSQL is stopped for a few seconds and
started again on the same port; then restarted at once. Asserted: every
request during the outage is answered at once (503 with Retry-After and a
Portuguese JSON body; the database-free common.server.version 200), the
health probe says why, the first write succeeds less than 5 s after
PostgreSQL is back, and nothing acknowledged is lost or stored twice. Last,
SIGTERM: the long polls answer at once and gunicorn stops quickly."""
import base64
import json
import os
import signal
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid
from unittest import mock

from tests.server import BIN, ROOT, TrytonServer
from tests.webchat.client import Agent, Citizen

sys.path.insert(0, str(ROOT / 'scripts'))
import pgcluster  # noqa: E402

TOKEN = 'sonda-das-falhas-1234'
OUTAGE = 4  # seconds PostgreSQL stays stopped
ANSWER = 3.0  # longest answer accepted during the outage (~2 s + load)
RECOVERY = 5.0


class GunicornServer(TrytonServer):
    "The database's server run by gunicorn as the production image does"

    def command(self, config_file, port, env):
        env['TRYTOND_CONFIG'] = config_file
        env['TRYTOND_DATABASE_NAMES'] = self.database
        # The warnings: the outage and the webchat listener's reconnection
        env['TRYTOND_LOGGING_LEVEL'] = '30'
        return [BIN / 'gunicorn', '-c', str(ROOT / 'config'
                / 'gunicorn.conf.py'), '--bind', f'127.0.0.1:{port}',
            '--workers', '2', '--worker-class', 'gthread',
            '--threads', '20', '--timeout', '120',
            'trytond.application:app']


def production_options():
    import configparser
    production = configparser.RawConfigParser()
    production.read(ROOT / 'config' / 'production.conf', encoding='utf-8')
    options = dict(production['see_atendimento'])
    options.update({'health_token': TOKEN,
            'health_cron_grace': str(10 ** 8)})
    return {'wsgi middleware': dict(production['wsgi middleware']),
        'see_atendimento': options}


def post(url, body, headers=None, timeout=30):
    "(status, JSON or text, headers, seconds) of a POST; status 0 if none"
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
        method='POST', headers={'Content-Type': 'application/json',
            **(headers or {})})
    return _open(request, timeout)


def get(url, headers=None, timeout=30):
    return _open(urllib.request.Request(url, headers=headers or {}),
        timeout)


def _open(request, timeout):
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, content, headers = (response.status, response.read(),
                response.headers)
    except urllib.error.HTTPError as error:
        status, content, headers = error.code, error.read(), error.headers
    except OSError as error:
        return 0, str(error), {}, time.monotonic() - start
    try:
        content = json.loads(content)
    except ValueError:
        content = content.decode('utf-8', 'replace')
    return status, content, headers, time.monotonic() - start


class Load:
    "Clients running until stopped; every answer kept with its time"

    def __init__(self):
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.answers = []  # (kind, started, seconds, status, headers, body)
        self.protocols = {}  # marker -> acknowledged id
        self.messages = {}  # client_id -> acknowledged id
        self.threads = []

    def record(self, kind, started, result):
        status, body, headers, seconds = result
        with self.lock:
            self.answers.append(
                (kind, started, seconds, status, headers, body))
        return status, body

    def run(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    def protocols_client(self, server, auth, service):
        "Create protocols; a 503 saves nothing: the same one is sent again"
        marker = None
        while not self.stopping.is_set():
            marker = marker or f'falha-{uuid.uuid4().hex}'
            started = time.monotonic()
            status, body = self.record('protocol', started, post(
                    server.rpc_url, {'id': 1,
                        'method': 'model.see.protocol.create',
                        'params': [[{'channel': 'email',
                                    'requester_name': "Cidadã da Carga",
                                    'requester_phone': '81999990000',
                                    'service': service,
                                    'description': marker}], {}]},
                    {'Authorization': auth}, timeout=60))
            if status == 200 and isinstance(body, dict) \
                    and body.get('result'):
                with self.lock:
                    self.protocols[marker], = body['result']
                marker = None
            elif status != 503:
                marker = None  # unknown outcome: a new one
            self.stopping.wait(0.05)

    def chat_client(self, citizen):
        "Send messages; a retry keeps its client_id"
        client_id = None
        while not self.stopping.is_set():
            client_id = client_id or uuid.uuid4().hex
            started = time.monotonic()
            status, body = self.record('chat', started, _citizen_call(
                    citizen, 'POST', f'/sessions/{citizen.id}/messages',
                    {'text': f"Mensagem {client_id}",
                        'client_id': client_id}))
            if status == 201:
                with self.lock:
                    self.messages[client_id] = body['message']['id']
                client_id = None
            started = time.monotonic()
            self.record('poll', started, _citizen_call(
                    citizen, 'GET', f'/sessions/{citizen.id}?after=0&wait=0'))
            self.stopping.wait(0.1)

    def version_client(self, server):
        "common.server.version needs no database"
        while not self.stopping.is_set():
            started = time.monotonic()
            self.record('version', started, post(server.url + 'rpc/', {
                        'id': 0, 'method': 'common.server.version',
                        'params': []}))
            self.stopping.wait(0.2)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(90)


def _citizen_call(citizen, method, path, body=None):
    url = citizen.base + path
    headers = {'X-Chat-Token': citizen.token, 'Accept': 'application/json'}
    if body is None:
        return get(url, headers)
    return post(url, body, headers)


class DatabaseOutageTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.cluster = pgcluster.Cluster(ROOT / 'var' / 'postgres-faults')
        uri = cls.cluster.start()
        cls.addClassCleanup(cls.cluster.stop)
        environ = mock.patch.dict(os.environ, {
                'TRYTOND_DATABASE__URI': uri,
                # pg_dump of the cached database: the cluster's version
                'PATH': os.pathsep.join([str(pgcluster.bin_dir()),
                        os.environ.get('PATH', '')])})
        environ.start()
        cls.addClassCleanup(environ.stop)
        cls.server = GunicornServer(
            modules=['see_atendimento', 'see_webchat'], web=False,
            config=production_options())
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)
        Configuration = cls.server.proteus('admin').get(
            'see.chat.configuration')
        config = Configuration(1)
        config.address_session_rate = 1000
        config.address_request_rate = 100000
        config.session_message_rate = 100000
        config.save()

    def health(self):
        status, body, _, seconds = get(
            f'{self.server.url}{self.server.database}/see/health',
            {'Authorization': f'Bearer {TOKEN}'})
        if not isinstance(body, dict) or 'checks' not in body:
            return status, {'ok': False, 'message': str(body)}, seconds
        checks = {c['name']: c for c in body['checks']}
        return status, checks['database'], seconds

    def rpc_auth(self, role):
        user = self.server.users[role]
        status, body, _, _ = post(self.server.rpc_url, {'id': 1,
                'method': 'common.db.login',
                'params': [user.login, {'password': user.password}, 'pt']})
        self.assertEqual(status, 200, body)
        user_id, session = body['result'][:2]
        return 'Session ' + base64.b64encode(
            f'{user.login}:{user_id}:{session}'.encode()).decode()

    def test_agent_send_is_idempotent(self):
        "The agent's reply sent again with its client_id is stored once"
        citizen = Citizen(self.server)
        status, data = citizen.open(service=self.server.records['service'])
        self.assertEqual(status, 201, data)
        agent = Agent(self.server, self.server.users['agent'].login,
            self.server.users['agent'].password)
        status, data = agent.action('accept', session=citizen.id)
        self.assertEqual(status, 200, data)
        client_id = uuid.uuid4().hex
        sent = [agent.action('send', session=citizen.id, text="Olá!",
                client_id=client_id) for _ in range(2)]
        self.assertEqual([s[0] for s in sent], [200, 200], sent)
        self.assertEqual(sent[0][1]['messages'], sent[1][1]['messages'])
        self.assertEqual(self.server.query(
                'SELECT count(*) FROM see_chat_message WHERE client_id = %s',
                (client_id,)), [(1,)])

    def test_outage(self):
        "Fast 503s while PostgreSQL is stopped, recovery under 5 s"
        server = self.server
        status, database, _ = self.health()
        self.assertTrue(database['ok'], database)
        citizen = Citizen(server)
        status, data = citizen.open(service=server.records['service'])
        self.assertEqual(status, 201, data)
        load = Load()
        for role in ['agent', 'agent2', 'integration']:
            load.run(load.protocols_client, server, self.rpc_auth(role),
                server.records['service'])
        load.run(load.chat_client, citizen)
        load.run(load.version_client, server)
        try:
            self.wait_for(lambda: len(load.protocols) >= 5
                and len(load.messages) >= 3, 30, "load before the outage")
            port = self.cluster.port
            # Started again whatever fails, for the cleanups
            self.addCleanup(lambda: self.cluster.port
                or self.cluster.start(port=port))
            self.cluster.stop()
            down = time.monotonic()
            # The health probe says why while PostgreSQL is away
            self.wait_for(lambda: not self.health()[1]['ok'], 5,
                "health probe failing")
            status, database, seconds = self.health()
            self.assertEqual(status, 503)
            self.assertIn('PostgreSQL', database['message'])
            self.assertLess(seconds, ANSWER)
            threading.Event().wait(max(0, OUTAGE - (time.monotonic() - down)))
            restarting = time.monotonic()
            self.cluster.start(port=port)
            back = time.monotonic()
            self.wait_for(lambda: any(a[0] == 'protocol' and a[3] == 200
                    and a[1] >= back for a in list(load.answers)), 30,
                "a protocol created after the restart")
            recovered = min(a[1] + a[2] for a in list(load.answers)
                if a[0] == 'protocol' and a[3] == 200 and a[1] >= back)
            # More acknowledged after the recovery
            count = len(load.protocols)
            self.wait_for(lambda: len(load.protocols) >= count + 3, 15,
                "protocols after the recovery")
        finally:
            load.stop()
        recovery = recovered - back
        during = [a for a in load.answers if down <= a[1] <= back]
        print(f"\nPostgreSQL fora do ar {back - down:.1f} s: "
            f"{len(during)} respostas, a mais lenta em "
            f"{max(a[2] for a in during):.2f} s; recuperação em "
            f"{recovery:.2f} s", file=sys.stderr)
        self.assertLess(recovery, RECOVERY)
        self.assertTrue(during)
        for kind, started, seconds, status, headers, body in during:
            with self.subTest(kind=kind, status=status):
                self.assertLess(seconds, ANSWER, body)
                if started + seconds >= restarting:
                    continue  # PostgreSQL may be back already
                if kind == 'version':
                    self.assertEqual(status, 200, body)
                    continue
                self.assertEqual(status, 503, body)
                self.assertTrue(headers.get('Retry-After'), kind)
        refused = [a for a in during if a[3] == 503 and a[0] == 'protocol'
            and a[1] > down + 2]
        self.assertTrue(refused)
        # JSON in Portuguese from the guard
        self.assertIn('Tente novamente', refused[-1][5]['error']['message'])
        self.assertTrue(self.health()[1]['ok'])
        self.check_stored(load)
        # Logged: the outage, the webchat listener's loss and return
        self.wait_for(lambda: "webchat listener on '%s' reconnected"
            % server.database in server.log(), 15, "the listener back")
        log = server.log()
        self.assertIn("webchat listener on '%s' lost its connection"
            % server.database, log)
        self.assertIn(f"database {server.database} is reachable again", log)

    def test_restart(self):
        """A quick restart (the 0.3-s one stalled each worker 16-30 s):
        every answer fast, writes again within 5 s"""
        server = self.server
        load = Load()
        for role in ['agent', 'integration']:
            load.run(load.protocols_client, server, self.rpc_auth(role),
                server.records['service'])
        try:
            self.wait_for(lambda: len(load.protocols) >= 3, 30,
                "load before the restart")
            port = self.cluster.port
            self.addCleanup(lambda: self.cluster.port
                or self.cluster.start(port=port))
            down = time.monotonic()
            self.cluster.stop()
            self.cluster.start(port=port)
            back = time.monotonic()
            self.wait_for(lambda: any(a[3] == 200 and a[1] >= back
                    for a in list(load.answers)), 30, "a write after it")
        finally:
            load.stop()
        recovered = min(a[1] + a[2] for a in load.answers
            if a[3] == 200 and a[1] >= back)
        slowest = max(a[2] for a in load.answers if a[1] >= down - 1)
        print(f"\nReinício do PostgreSQL em {back - down:.1f} s: primeira "
            f"gravação {recovered - back:.2f} s depois, resposta mais lenta "
            f"{slowest:.2f} s", file=sys.stderr)
        self.assertLess(recovered - back, RECOVERY)
        self.assertLess(slowest, ANSWER)
        self.check_stored(load)

    def check_stored(self, load):
        "Nothing acknowledged is lost or stored twice"
        rows = self.server.query(
            "SELECT description, id FROM see_protocol "
            "WHERE description LIKE 'falha-%%'")
        stored = {}
        for marker, id_ in rows:
            stored.setdefault(marker, []).append(id_)
        self.assertEqual([m for m, ids in stored.items() if len(ids) > 1],
            [])
        for marker, id_ in load.protocols.items():
            self.assertEqual(stored.get(marker), [id_], marker)
        rows = self.server.query(
            "SELECT client_id, id FROM see_chat_message "
            "WHERE client_id IS NOT NULL")
        messages = {}
        for client_id, id_ in rows:
            messages.setdefault(client_id, []).append(id_)
        for client_id, id_ in load.messages.items():
            self.assertEqual(messages.get(client_id), [id_], client_id)
        print(f"{len(load.protocols)} protocolos e {len(load.messages)} "
            "mensagens confirmados, todos gravados uma vez",
            file=sys.stderr)

    def test_sigterm(self):
        """A graceful stop answers the waiting long polls at once and ends
        quickly (last: it stops the server)"""
        citizen = Citizen(self.server)
        status, data = citizen.open(service=self.server.records['service'])
        self.assertEqual(status, 201, data)
        status, data = citizen.poll()
        polls = []

        def poll():
            polls.append(_citizen_call(citizen, 'GET',
                    f'/sessions/{citizen.id}?after=0&wait=20'
                    f"&v={data['version']}"))
        thread = threading.Thread(target=poll)
        thread.start()
        process = self.server._process
        # A fixed delay for the poll to reach its worker (nothing outside
        # the worker shows that it waits)
        threading.Event().wait(1)
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        thread.join(15)
        process.wait(30)
        seconds = time.monotonic() - stopped
        print(f"\nSIGTERM: gunicorn parou em {seconds:.1f} s", file=sys.stderr)
        (status, body, _, answered), = polls
        self.assertEqual(status, 200, body)
        self.assertLess(answered, 3)
        # Before gunicorn's graceful_timeout (10 s) kills the workers
        self.assertLess(seconds, 10)

    def wait_for(self, condition, seconds, what):
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}")
            threading.Event().wait(0.1)


if __name__ == '__main__':
    unittest.main()
