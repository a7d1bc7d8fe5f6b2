# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Nobody rewrites a conversation: probes over the real APIs of a server.

- JSON-RPC, as the web client and any script call it: a direct write of
  the state, of the dates and figures Annex A counts or of the transcript
  is refused to every role, the integration user and the administrator
  included, with a Portuguese message, and nothing changes; the auditor
  reads who changed what;
- HTTP, the citizen's and the agent's routes: an attachment whose name is
  out of Latin-1 downloads with its name (RFC 6266); an id beyond the
  database's range is a 404; access refusals are 403; every error is JSON
  with a Portuguese message, never an exception's text."""
import unittest
import urllib.error
import urllib.request

from tests.webchat.client import (
    Agent, Citizen, Rpc, RpcError, webchat_server)

server = webchat_server()
BIG = '9' * 30
FILE_NAME = 'declaração çã 😀.pdf'
FILE_DATA = b'%PDF-1.4 declaracao'
ROLES = ['agent', 'supervisor', 'auditor', 'admin', 'integration']


def setUpModule():
    server.start()


def tearDownModule():
    server.stop()


def snapshot():
    "Everything stored of the conversations, their history and messages"
    return [server.query(f'SELECT * FROM {table} ORDER BY 1')
        for table in ['see_chat_session', 'see_chat_session__history',
            'see_chat_message']]


def datetime(year, month, day):
    "A datetime as Tryton's JSON-RPC encodes it"
    return {'__class__': 'datetime', 'year': year, 'month': month,
        'day': day, 'hour': 0, 'minute': 0, 'second': 0, 'microsecond': 0}


def user(role):
    return server.users[role].login, server.users[role].password


class IntegrityTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        admin = server.proteus('admin')
        Configuration = admin.get('see.chat.configuration')
        config = Configuration(1)
        config.address_session_rate = 100
        config.address_request_rate = 1000
        config.agent_limit = 10
        config.save()
        service = server.records['service']
        cls.agent = Agent(server, *user('agent'))
        # Waiting, then in attendance with an attachment of the citizen
        cls.waiting = Citizen(server)
        assert cls.waiting.open(service=service)[0] == 201
        cls.active = Citizen(server)
        assert cls.active.open(service=service)[0] == 201
        status, data = cls.active.send('', attachment=(
                FILE_NAME, 'application/pdf', FILE_DATA))
        assert status == 201, data
        cls.attachment = data['message']['id']
        assert cls.agent.action('accept', session=cls.active.id)[0] == 200
        assert cls.agent.action(
            'send', session=cls.active.id, text="Recebido.")[0] == 200
        cls.rpc = {role: Rpc(server, *user(role)) for role in ROLES}

    def assertPortuguese(self, message):
        self.assertRegex(message, r'não pode|não é permitido|Somente')
        self.assertNotIn('Traceback', message)

    def assertRefused(self, role, method, *params):
        with self.assertRaises(RpcError, msg=(role, method, params)) as cm:
            self.rpc[role](method, *params)
        self.assertPortuguese(cm.exception.message)
        return cm.exception.message

    # JSON-RPC ------------------------------------------------------------

    def test_direct_writes_refused(self):
        """State, measured dates and figures, the transcript: refused to
        every role over RPC, and nothing changed"""
        waiting, active = self.waiting.id, self.active.id
        message, = [m[0] for m in server.query(
                "SELECT id FROM see_chat_message "
                "WHERE session = %s AND author_type = 'agent'", (active,))]
        before = snapshot()
        session_writes = [
            {'state': 'closed'},
            {'state': 'active'},
            {'end_date': datetime(2020, 1, 1)},
            {'start_date': datetime(2020, 1, 1)},
            {'accept_date': datetime(2020, 1, 1)},
            {'interaction_count': 99},
            {'awaiting_see': True},
            {'concluded_in_time': True},
            {'agent': server.users['agent2'].id},
            {'messages': [('delete', [message])]},
            ]
        for role in ROLES:
            for values in session_writes:
                for session in [waiting, active]:
                    with self.subTest(role=role, values=values,
                            session=session):
                        self.assertRefused(role,
                            'model.see.chat.session.write',
                            [session], values)
            with self.subTest(role=role, probe='transcript'):
                self.assertRefused(role, 'model.see.chat.message.write',
                    [message], {'text': "Outra resposta"})
                self.assertRefused(role, 'model.see.chat.message.create',
                    [{'session': active, 'author_type': 'agent',
                            'kind': 'text', 'text': "Forjada",
                            'interaction': True}])
                self.assertRefused(role, 'model.see.chat.message.delete',
                    [message])
                self.assertRefused(role, 'model.see.chat.session.delete',
                    [waiting])
                self.assertRefused(role, 'model.see.chat.session.create',
                    [{'requester_name': "Forjada", 'state': 'closed'}])
            with self.subTest(role=role, probe='transitions'):
                # Only the chat runs them: they are no RPC method
                for name in ['close', 'conclude', 'abandon', 'activate']:
                    with self.assertRaises(RpcError) as cm:
                        self.rpc[role](f'model.see.chat.session.{name}',
                            [active])
                    self.assertEqual(cm.exception.message, 'HTTP 403')
        self.assertEqual(snapshot(), before)

    def test_readonly_with_write_access(self):
        """Even given write access to the conversations (by mistake), the
        administrator cannot write a field the chat fills: the message
        names the field"""
        admin = self.rpc['admin']
        user, = admin('model.res.user.read', [admin.user_id], ['groups'])
        access = admin('model.ir.model.access.create', [{
                    'model': 'see.chat.session', 'group': group,
                    'perm_read': True, 'perm_write': True}
                for group in user['groups']])
        try:
            before = snapshot()
            for values, field in [
                    ({'state': 'closed'}, 'Estado'),
                    ({'end_date': datetime(2020, 1, 1)}, 'Concluída em'),
                    ({'interaction_count': 99}, 'Interações'),
                    ]:
                with self.subTest(values=values):
                    message = self.assertRefused('admin',
                        'model.see.chat.session.write', [self.active.id],
                        values)
                    self.assertIn(f'"{field}"', message)
            self.assertEqual(snapshot(), before)
        finally:
            admin('model.ir.model.access.delete', access)

    def test_accept_button(self):
        "The web client's button: agents only, through the transition"
        citizen = Citizen(server)
        self.assertEqual(
            citizen.open(service=server.records['service'])[0], 201)
        before = snapshot()
        for role in ['supervisor', 'auditor', 'admin', 'integration']:
            with self.subTest(role=role):
                self.assertRefused(role, 'model.see.chat.session.accept',
                    [citizen.id])
        self.assertEqual(snapshot(), before)
        agent2 = Rpc(server, *user('agent2'))
        agent2('model.see.chat.session.accept', [citizen.id])
        (state, agent), = server.query('SELECT state, agent '
            'FROM see_chat_session WHERE id = %s', (citizen.id,))
        self.assertEqual((state, agent), ('active', agent2.user_id))

    def test_auditor_reads_history(self):
        "The auditor sees who moved the conversation, and from what"
        auditor = self.rpc['auditor']
        revisions = auditor('model.see.chat.session.history_revisions',
            [self.active.id])
        self.assertIn(server.users['agent'].name, [r[2] for r in revisions])
        # The oldest version: waiting in the queue, no agent
        oldest = min(revisions, key=lambda r: (
                r[0]['year'], r[0]['month'], r[0]['day'], r[0]['hour'],
                r[0]['minute'], r[0]['second'], r[0]['microsecond']))
        session, = auditor('model.see.chat.session.read', [self.active.id],
            ['state', 'agent'], context={'_datetime': oldest[0]})
        self.assertEqual((session['state'], session['agent']),
            ('waiting', None))
        session, = auditor('model.see.chat.session.read', [self.active.id],
            ['state', 'agent'])
        self.assertEqual((session['state'], session['agent']),
            ('active', server.users['agent'].id))

    # HTTP ----------------------------------------------------------------

    def download(self, url, headers):
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()

    def test_attachment_name_out_of_latin1(self):
        "The citizen and the agent download it with its own name"
        expected = ('attachment; filename="declaracao ca _.pdf"; '
            "filename*=UTF-8''declara%C3%A7%C3%A3o%20%C3%A7%C3%A3%20"
            "%F0%9F%98%80.pdf")
        citizen_url = (f'{self.active.base}/sessions/{self.active.id}'
            f'/attachments/{self.attachment}')
        status, headers, body = self.download(citizen_url,
            {'X-Chat-Token': self.active.token})
        self.assertEqual(status, 200)
        self.assertEqual(headers['Content-Disposition'], expected)
        self.assertEqual(headers['Content-Type'], 'application/pdf')
        self.assertEqual(body, FILE_DATA)

        agent_url = f'{self.agent.base}attachments/{self.attachment}'
        with self.agent.opener.open(agent_url, timeout=30) as response:
            self.assertEqual(response.status, 200)
            self.assertEqual(
                response.headers['Content-Disposition'], expected)
            self.assertEqual(response.read(), FILE_DATA)

    def assertJsonError(self, result, status, text):
        code, data = result
        self.assertEqual(code, status, data)
        self.assertIsInstance(data, dict, data)
        message = data['error']['message']
        self.assertIn(text, message)
        for python in ['Traceback', 'Error:', 'File "', 'psycopg', 'int(']:
            self.assertNotIn(python, str(data))

    def test_ids_too_large(self):
        "Any id beyond the database's range is a 404 in Portuguese"
        citizen, session = self.active, self.active.id
        not_found = 'não existe'
        for method, path, body in [
                ('GET', f'/sessions/{BIG}', None),
                ('GET', f'/sessions/{session}?after={BIG}', None),
                ('GET', f'/sessions/{2 ** 31}', None),
                ('POST', f'/sessions/{BIG}/messages', {'text': "oi"}),
                ('POST', f'/sessions/{BIG}/survey', {'score': 9}),
                ('POST', f'/sessions/{BIG}/leave', {}),
                ('GET', f'/sessions/{BIG}/attachments/1', None),
                ('GET', f'/sessions/{session}/attachments/{BIG}', None),
                ('POST', '/sessions', {'name': "Ana", 'phone': '81998765432',
                        'service': int(BIG), 'consent': True}),
                ]:
            with self.subTest(path=path):
                self.assertJsonError(citizen.call(method, path, body),
                    404, not_found)
        for method, path, body in [
                ('POST', 'accept', {'session': int(BIG)}),
                ('POST', 'send', {'session': BIG, 'text': "oi"}),
                ('POST', 'send', {'session': session, 'article': BIG}),
                ('POST', 'transfer', {'session': session, 'agent': BIG}),
                ('POST', 'escalate', {'session': session, 'question': "?",
                        'classification': int(BIG)}),
                ('POST', 'close', {'session': session,
                        'classification': int(BIG)}),
                ('GET', f'attachments/{BIG}', None),
                ('GET', f'state?after={BIG}:1', None),
                ('GET', f'state?after={session}:{BIG}', None),
                ('GET', f'state?loaded={BIG}', None),
                ('GET', f'kb?q=x&service={BIG}', None),
                ]:
            with self.subTest(path=path, body=body):
                self.assertJsonError(self.agent.call(method, path, body),
                    404, not_found)
        # A conversation that is not there, within range, is not found too
        self.assertJsonError(self.agent.action('accept', session=2 ** 31 - 1),
            404, not_found)
        # Not a number: the request is refused, not failed
        self.assertJsonError(self.agent.action('accept', session='abc'),
            400, 'Não foi possível ler')
        self.assertJsonError(
            self.agent.action('send', session=session, article='abc'),
            400, 'não está publicado')
        # The conversation went on untouched
        (state,), = server.query(
            'SELECT state FROM see_chat_session WHERE id = %s', (session,))
        self.assertEqual(state, 'active')

    def test_access_refused_403(self):
        "Access refusals are 403 with a Portuguese message"
        integration = Agent(server, *user('integration'))
        for method, path, body in [
                ('GET', 'state', None),
                ('POST', 'accept', {'session': self.waiting.id}),
                ('GET', f'attachments/{self.attachment}', None),
                ]:
            with self.subTest(path=path):
                self.assertJsonError(integration.call(method, path, body),
                    403, 'Você não pode acessar')
        auditor = Agent(server, *user('auditor'))
        self.assertJsonError(
            auditor.action('accept', session=self.waiting.id), 403,
            'Somente atendentes')
        # Another agent does not even see the conversation
        agent2 = Agent(server, *user('agent2'))
        self.assertJsonError(agent2.call(
                'GET', f'attachments/{self.attachment}'), 404, 'não existe')
        self.assertJsonError(
            agent2.action('close', session=self.active.id,
                classification=1), 404, 'não existe')
        (state,), = server.query('SELECT state FROM see_chat_session '
            'WHERE id = %s', (self.waiting.id,))
        self.assertEqual(state, 'waiting')


if __name__ == '__main__':
    unittest.main()
