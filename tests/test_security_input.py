# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Bad input, accounts and the integration user's reach, over the real API

Each probe of issue #12 that concerns input, passwords and least privilege,
made as the user who would try it, against a PostgreSQL server: what is
refused gets a Portuguese message naming the field and stores nothing; no
answer shows Python's exception text."""
import json
import sys
import unittest
import urllib.error
import urllib.request
from pathlib import Path

from tests.server import ServerTestCase, password

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'examples'))
import integration_client  # noqa: E402
from integration_client import RPCError  # noqa: E402

HUGE = 10 ** 20 - 1  # 99999999999999999999: more than any id column holds
BIG = 2 ** 31  # just past PostgreSQL's INTEGER
# Signs of Python's or the database's own error text
LEAKS = ['Traceback', 'psycopg', 'integer out of range', 'codec',
    'NUL (0x00)', 'File "', 'Error:']


class SecurityInputTestCase(ServerTestCase):
    # At most 2 wrong passwords per login, to see the lock quickly (the
    # production configuration has 5); the login delay is Tryton's
    server_options = {
        'web': False, 'config': {'session': {'max_attempt': '2'}}}

    def client(self, role=None, login=None, secret=None):
        client = integration_client.TrytonClient(
            self.server.url, self.server.database)
        if role:
            login, secret = self.server.users[role].login, password(role)
        client.login(login, secret)
        return client

    def protocol_values(self, **values):
        return {
            'channel': 'email',
            'requester_name': "Cidadã de Teste",
            'requester_phone': '81999990000',
            'service': self.server.records['service'],
            'description': "Pedido",
            **values}

    def count(self, table):
        (count,), = self.server.query(f'SELECT count(*) FROM "{table}"')
        return count

    def assertClean(self, text):
        for leak in LEAKS:
            self.assertNotIn(leak, text)

    def assertRefused(self, call, *words, table='see_protocol'):
        "call fails with a clean message holding words; nothing is stored"
        before = self.count(table)
        with self.assertRaises(RPCError) as context:
            call()
        message = context.exception.message
        self.assertClean(context.exception.name)
        self.assertClean(message)
        for word in words:
            self.assertIn(word, message)
        self.assertEqual(self.count(table), before)
        return message

    def http(self, client, path, data=None):
        "Status and body of GET (or POST of data as JSON) on the database"
        headers = {}
        if client:
            headers['Authorization'] = client.authorization
        if data is not None:
            data = json.dumps(data).encode()
            headers['Content-Type'] = 'application/json'
        request = urllib.request.Request(
            f'{self.server.url}{self.server.database}{path}', data=data,
            headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    # Bad input -----------------------------------------------------------

    def test_cpf_all_digits_equal(self):
        "A CPF of one repeated digit is refused like any invalid CPF"
        client = self.client('integration')
        for digit in '0123456789':
            cpf = f'{digit * 3}.{digit * 3}.{digit * 3}-{digit * 2}'
            with self.subTest(cpf=cpf):
                self.assertRefused(lambda: client.call('see.protocol',
                        'create', [self.protocol_values(requester_cpf=cpf)]),
                    'CPF do solicitante', 'não é um CPF válido')
        # Nor on a party, where stdnum accepts it
        agent = self.client('agent')
        party, = agent.call('party.party', 'create', [{'name': "Fulano"}])
        self.assertRefused(lambda: agent.call('party.identifier', 'create',
                [{'party': party, 'type': 'br_cpf',
                        'code': '111.111.111-11'}]),
            'não é um CPF válido', table='party_identifier')

    def test_text_refused(self):
        "NUL, lone surrogates and texts too long name the field"
        client = self.client('integration')
        cases = [
            ({'description': "antes\x00depois"}, 'Solicitação', 'nulo'),
            ({'requester_name': "Jo\ud800ão"}, 'Nome do solicitante',
                'caractere inválido'),
            ({'requester_name': "x" * 256}, 'Nome do solicitante',
                'no máximo 255'),
            ({'description': "x" * 20001}, 'Solicitação',
                'no máximo 20000'),
            ]
        for values, field, words in cases:
            with self.subTest(field=field, words=words):
                self.assertRefused(lambda: client.call('see.protocol',
                        'create', [self.protocol_values(**values)]),
                    f'"{field}"', words)
        # The integration user does not write protocols: an agent does
        agent = self.client('agent')
        protocol_id, = agent.call(
            'see.protocol', 'create', [self.protocol_values()])
        for values, field, words in cases:
            with self.subTest(write=field, words=words):
                self.assertRefused(lambda: agent.call('see.protocol',
                        'write', [protocol_id], values), f'"{field}"', words)
        stored, = agent.call('see.protocol', 'read', [protocol_id],
            ['requester_name', 'description'])
        self.assertEqual(stored['description'], "Pedido")

        # The question to SEE-PE, the knowledge base and the parties too
        protocol_id, = agent.call('see.protocol', 'create',
            [self.protocol_values(state='attending')])
        self.assertRefused(lambda: agent.call('see.protocol',
                'escalate_to_see', [protocol_id], "x" * 20001),
            '"Pergunta"', 'no máximo 20000',
            table='see_protocol_escalation')
        admin = self.client('admin')
        self.assertRefused(lambda: admin.call('see.kb.article', 'create',
                [{'title': "Matrícula\x00", 'body': "Texto"}]),
            '"Título"', 'nulo', table='see_kb_article')
        self.assertRefused(lambda: admin.call('see.kb.article', 'create',
                [{'title': "Matrícula", 'body': "\udfff"}]),
            '"Conteúdo"', 'caractere inválido', table='see_kb_article')
        self.assertRefused(lambda: agent.call('party.party', 'create',
                [{'name': "x" * 300}]),
            'no máximo 255', table='party_party')
        party, = agent.call('party.party', 'create', [{'name': "Beltrano"}])
        self.assertRefused(lambda: agent.call('party.contact_mechanism',
                'create', [{'party': party, 'type': 'email',
                        'value': "a\x00@example.org"}]),
            'nulo', table='party_contact_mechanism')

    def test_missing_or_huge_link(self):
        "A link to a record that does not exist names the field"
        client = self.client('integration')
        for value in [999999, BIG, HUGE]:
            with self.subTest(value=value):
                self.assertRefused(lambda: client.call('see.protocol',
                        'create', [self.protocol_values(service=value)]),
                    'Serviço')
        agent = self.client('agent')
        protocol_id, = agent.call(
            'see.protocol', 'create', [self.protocol_values()])
        for value in [999999, BIG, HUGE]:
            with self.subTest(write=value):
                self.assertRefused(lambda: agent.call('see.protocol',
                        'write', [protocol_id], {'service': value}),
                    'Serviço')

    def test_huge_ids(self):
        "Ids past the database's range give a clean error or nothing"
        client = self.client('integration')
        agent = self.client('agent')
        for id_ in [BIG, HUGE]:
            with self.subTest(id=id_):
                for call in [
                        lambda: client.call(
                            'see.protocol', 'read', [id_], ['number']),
                        lambda: client.call('see.protocol', 'write', [id_],
                            {'description': "x"}),
                        lambda: client.call('see.protocol', 'delete', [id_]),
                        lambda: agent.call('see.protocol', 'start', [id_]),
                        ]:
                    self.assertRefused(call)
                self.assertEqual(client.call('see.protocol', 'search',
                        [('id', '=', id_)], 0, None, None), [])
                self.assertEqual(client.call('see.protocol', 'search',
                        [('service', '=', id_)], 0, None, None), [])

    def test_unexpected_errors_hidden(self):
        """A call the server did not expect (wrong arguments, an unknown
        field) answers a Portuguese message, not Python's text"""
        client = self.client('agent')
        for call in [
                lambda: client.call('see.protocol', 'read', 'x', ['number']),
                lambda: client.call('see.protocol', 'search',
                    [('no_such_field', '=', 1)], 0, None, None),
                ]:
            message = self.assertRefused(call)
            self.assertEqual(message, "O servidor não conseguiu concluir "
                "o pedido. Tente de novo; se acontecer de novo, avise o "
                "administrador.")

    def test_leave_draft_only_complete(self):
        "A protocol starts only with requester, phone or CPF and service"
        agent = self.client('agent')
        cases = [
            ({'requester_name': None}, 'Nome do solicitante'),
            ({'requester_phone': None},
                '"Telefone do solicitante" ou o campo "CPF do solicitante"'),
            ({'service': None}, '"Serviço"'),
            ]
        for values, words in cases:
            with self.subTest(missing=words):
                draft, = agent.call('see.protocol', 'create',
                    [self.protocol_values(channel='telefone', **values)])
                self.assertRefused(
                    lambda: agent.call('see.protocol', 'start', [draft]),
                    words, 'antes de iniciar o atendimento')
                (state,), = self.server.query(
                    'SELECT state FROM see_protocol WHERE id = %s', (draft,))
                self.assertEqual(state, 'draft')
                # Nor registered in attendance at once
                self.assertRefused(lambda: agent.call('see.protocol',
                        'create', [self.protocol_values(
                                state='attending', **values)]), words)
        # An invalid contact (a prank) is about no service
        prank, = agent.call('see.classification', 'search',
            [('code', '=', 'TROTE')], 0, 1, None)
        draft, = agent.call('see.protocol', 'create', [self.protocol_values(
                    service=None, classification=prank)])
        agent.call('see.protocol', 'start', [draft])
        # With a CPF instead of the phone it starts
        started, = agent.call('see.protocol', 'create', [self.protocol_values(
                    requester_phone=None, requester_cpf='529.982.247-25',
                    state='attending')])
        (state,), = self.server.query(
            'SELECT state FROM see_protocol WHERE id = %s', (started,))
        self.assertEqual(state, 'attending')

    def test_board_errors(self):
        "The board answers 404 for unknown ids, 403 for access, no traceback"
        unit = self.client('unit')
        for query in [f'?unit={HUGE}', f'?unit={BIG}', '?unit=999999',
                f'?service={HUGE}', '?service=999999']:
            with self.subTest(query=query):
                status, body = self.http(
                    unit, '/see_atendimento/board/data' + query)
                self.assertEqual(status, 404)
                self.assertIn('não existe',
                    json.loads(body)['error']['message'])
                self.assertClean(body)
        status, body = self.http(unit, '/see_atendimento/board/data?unit=x')
        self.assertEqual(status, 400)
        status, body = self.http(unit, '/see_atendimento/board/data'
            f"?unit={self.server.records['unit']}")
        self.assertEqual(status, 200)
        for data in [{'id': HUGE, 'state': 'answered'},
                {'id': 999999, 'state': 'analysis'}]:
            with self.subTest(move=data):
                status, body = self.http(
                    unit, '/see_atendimento/board/move', data)
                self.assertEqual(status, 404)
                self.assertClean(body)
        integration = self.client('integration')
        for path, data in [('/see_atendimento/board/data', None),
                ('/see_atendimento/board/move', {'id': 1, 'state': 'x'})]:
            with self.subTest(path=path):
                status, body = self.http(integration, path, data)
                self.assertEqual(status, 403)
                self.assertIn('Você não pode acessar',
                    json.loads(body)['error']['message'])
                self.assertClean(body)

    # Accounts ------------------------------------------------------------

    def new_user(self, login, secret='Primeira-Senha-1', groups=()):
        "A user created by the root, returned with its id"
        connection = self.server.proteus('root')
        User = connection.get('res.user')
        Group = connection.get('res.group')
        user = User(login=login, name=f"Usuário {login}", password=secret)
        for group in groups:
            user.groups.append(Group(group))
        user.save()
        return user.id

    def test_password_change_needs_current(self):
        "A user changes the password only by giving the current one"
        self.new_user('troca')
        client = self.client(login='troca', secret='Primeira-Senha-1')

        def change(**values):
            return client._post(
                'model.res.user.set_preferences', [values, {}])
        self.assertIn('Senha atual', self.assertRefused(
                lambda: change(password='Nova-Senha-Boa-2'), table='res_user'))
        self.assertIn('errada', self.assertRefused(
                lambda: change(password='Nova-Senha-Boa-2',
                    password_current='Chute-Errado-1'), table='res_user'))
        # Weak passwords, with the right current one: Tryton's [password]
        for weak, words in [('12345678', 'proibida'),
                ('aaaaaaaaaa', 'proibida'), ('Senha@123', 'proibida'),
                ('troca', 'pelo menos 8'),
                ]:
            with self.subTest(weak=weak):
                self.assertRefused(lambda: change(password=weak,
                        password_current='Primeira-Senha-1'), words,
                    table='res_user')
        self.new_user('trocatroca')
        other = self.client(login='trocatroca', secret='Primeira-Senha-1')
        self.assertIn('nome de usuário', self.assertRefused(
                lambda: other._post('model.res.user.set_preferences', [
                        {'password': 'TrocaTroca',
                            'password_current': 'Primeira-Senha-1'}, {}]),
                table='res_user'))

        change(password='Nova-Senha-Boa-2',
            password_current='Primeira-Senha-1')
        self.client(login='troca', secret='Nova-Senha-Boa-2')
        # The wrong current password of before counted as a failed login
        # and the good login cleared it
        self.assertEqual(self.server.query(
                'SELECT count(*) FROM res_user_login_attempt '
                "WHERE login = 'troca'"), [(0,)])

        # The administrator sets another user's password, within the policy
        admin = self.client('admin')
        user_id = self.new_user('esquecida')
        self.assertRefused(lambda: admin.call('res.user', 'write', [user_id],
                {'password': 'aaaaaaaa'}), 'proibida', table='res_user')
        admin.call('res.user', 'write', [user_id],
            {'password': 'Senha-Nova-Do-Admin-3'})
        self.client(login='esquecida', secret='Senha-Nova-Do-Admin-3')

    def login_status(self, login, secret):
        "HTTP status of a login and the user id"
        client = integration_client.TrytonClient(
            self.server.url, self.server.database)
        try:
            return 200, client.login(login, secret)
        except urllib.error.HTTPError as error:
            return error.code, None

    def test_wrong_passwords_lock_and_unlock(self):
        "Wrong passwords lock the login until an administrator unlocks it"
        user_id = self.new_user('bloqueio')
        for _ in range(3):
            self.assertEqual(
                self.login_status('bloqueio', 'Senha-Errada-9'), (401, None))
        # Past [session] max_attempt even the right password is refused
        self.assertEqual(
            self.login_status('bloqueio', 'Primeira-Senha-1'), (429, None))
        admin = self.client('admin')
        user, = admin.call('res.user', 'read', [user_id], ['failed_logins'])
        self.assertGreaterEqual(user['failed_logins'], 3)
        # Nobody else reads or removes the attempts
        agent = self.client('agent')
        self.assertRefused(
            lambda: agent.call('res.user', 'unlock_login', [user_id]))
        status, body = self.http(
            agent, '/data/res.user.login.attempt?f=login')
        self.assertNotEqual(status, 200)
        self.assertNotIn('bloqueio', body)
        with self.assertRaises(urllib.error.HTTPError) as context:
            agent.call('res.user.login.attempt', 'search', [], 0, None, None)
        self.assertEqual(context.exception.code, 403)
        admin.call('res.user', 'unlock_login', [user_id])
        self.assertEqual(
            self.login_status('bloqueio', 'Primeira-Senha-1'),
            (200, user_id))

    # Least privilege -----------------------------------------------------

    def test_integration_reads_only_its_own(self):
        "The integration user reads no one else's data"
        agent = self.client('agent')
        others, = agent.call('see.protocol', 'create', [self.protocol_values(
                    requester_name="Pessoa do Agente",
                    requester_phone='81988880000')])
        client = self.client('integration')
        own, = client.call('see.protocol', 'create', [self.protocol_values(
                    requester_name="Pessoa da Integração",
                    requester_phone='81977770000')])

        events = client.call('see.protocol.event', 'search_read', [],
            0, None, None, ['protocol', 'description'])
        self.assertTrue(events)
        self.assertEqual({e['protocol'] for e in events} - {own}, set())
        self.assertRefused(lambda: client.call('see.protocol.event', 'read',
                [e for e, in self.server.query(
                        'SELECT id FROM see_protocol_event '
                        'WHERE protocol = %s', (others,))], ['description']))
        for model in ['party.party', 'party.contact_mechanism',
                'party.identifier', 'party.address']:
            with self.subTest(model=model):
                self.assertRefused(lambda: client.call(
                        model, 'search', [], 0, None, None), 'acessar')
        users = client.call('res.user', 'search_read', [], 0, None, None,
            ['login', 'email'])
        self.assertEqual([u['login'] for u in users], ['integracao'])
        status, body = self.http(client, '/data/res.user?f=login&f=email')
        self.assertEqual(status, 200)
        self.assertNotIn('agente', body)
        self.assertIn('integracao', body)
        for model, field in [('party.party', 'name'),
                ('party.contact_mechanism', 'value'),
                ('res.user.login.attempt', 'login')]:
            with self.subTest(data=model):
                status, body = self.http(client, f'/data/{model}?f={field}')
                self.assertNotEqual(status, 200)
                self.assertNotIn('do Agente', body)
                self.assertNotIn('8880', body)
                self.assertClean(body)
        # What it registered it still reads, and the requester is linked
        protocol, = client.call('see.protocol', 'read', [own],
            ['number', 'requester', 'requester_phone', 'service.name'])
        self.assertTrue(protocol['requester'])
        self.assertEqual(protocol['requester_phone'], '+5581977770000')
        # The same citizen again is the same party, found without reading
        again, = client.call('see.protocol', 'create', [self.protocol_values(
                    requester_name="Pessoa da Integração",
                    requester_phone='81977770000')])
        second, = client.call('see.protocol', 'read', [again], ['requester'])
        self.assertEqual(second['requester'], protocol['requester'])

    def test_roles_keep_parties(self):
        "The roles that work with requesters read them; only some change"
        agent = self.client('agent')
        protocol_id, = agent.call('see.protocol', 'create', [
                self.protocol_values(requester_phone='81966660000')])
        protocol, = agent.call('see.protocol', 'read', [protocol_id],
            ['requester', 'requester.rec_name'])
        party_id = protocol['requester']
        self.assertEqual(protocol['requester.']['rec_name'],
            "Cidadã de Teste")
        mechanisms = agent.call('party.contact_mechanism', 'search_read',
            [('party', '=', party_id)], 0, None, None, ['value'])
        self.assertEqual(len(mechanisms), 1)
        agent.call('party.party', 'write', [party_id], {'name': "Cidadã"})
        self.assertRefused(lambda: agent.call('party.party', 'delete',
                [party_id]), table='party_party')
        # Unknown users' data stays readable for the web client's forms
        self.assertGreater(len(agent.call('res.user', 'search', [],
                    0, None, None)), 1)
        for role in ['supervisor', 'auditor', 'fiscal', 'contract_manager',
                'admin']:
            with self.subTest(role=role):
                client = self.client(role)
                party, = client.call('party.party', 'read', [party_id],
                    ['name', 'contact_mechanisms'])
                self.assertEqual(party['name'], "Cidadã")
        for role in ['auditor', 'fiscal']:
            with self.subTest(readonly=role):
                client = self.client(role)
                self.assertRefused(lambda: client.call('party.party', 'write',
                        [party_id], {'name': "Mudado"}), table='party_party')


if __name__ == '__main__':
    unittest.main()
