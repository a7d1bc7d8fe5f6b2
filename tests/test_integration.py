# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The README's JSON-RPC integration example, run against a real server"
import contextlib
import io
import sys
import unittest
from pathlib import Path

from tests.server import ServerTestCase, password

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'examples'))
import integration_client  # noqa: E402


class IntegrationTestCase(ServerTestCase):
    server_options = {'web': False}

    def client(self, role):
        client = integration_client.TrytonClient(
            self.server.url, self.server.database)
        client.login(self.server.users[role].login, password(role))
        self.addCleanup(client.logout)
        return client

    def service_code(self):
        (code,), = self.server.query('SELECT code FROM see_service WHERE id = %s',
            (self.server.records['service'],))
        return code

    def test_register_and_read(self):
        "The integration user registers a protocol and reads it back"
        client = self.client('integration')
        protocol = integration_client.register_protocol(client,
            "Cidadão do Portal", "(81) 99999-1234", self.service_code(),
            "Pedido feito no portal", cpf="529.982.247-25")
        self.assertTrue(protocol['number'])
        self.assertEqual(protocol['state'], 'draft')
        self.assertEqual(protocol['requester_phone'], '+5581999991234')
        rows = self.server.query(
            'SELECT p.number, p.channel, u.login, p.requester_cpf '
            'FROM see_protocol p JOIN res_user u ON u.id = p.agent '
            'WHERE p.id = %s', (protocol['id'],))
        self.assertEqual(rows, [
                (protocol['number'], 'email', 'integracao', '52998224725')])
        found = integration_client.protocols_of_phone(
            client, '+5581999991234')
        self.assertEqual([r['number'] for r in found], [protocol['number']])

    def test_bad_phone_refused(self):
        "A bad phone is refused with the Portuguese message; nothing stored"
        client = self.client('integration')
        before = self.server.query('SELECT count(*) FROM see_protocol')
        with self.assertRaises(integration_client.RPCError) as context:
            integration_client.register_protocol(client, "Fulano", "123",
                self.service_code(), "Teste")
        self.assertIn('Telefone do solicitante', context.exception.message)
        self.assertEqual(
            self.server.query('SELECT count(*) FROM see_protocol'), before)

    def test_only_what_it_needs(self):
        "It cannot read other protocols nor change the catalogue"
        agent = self.client('agent')
        other = integration_client.register_protocol(agent, "Pessoa",
            "81988887777", self.service_code(), "Ligação", channel='telefone')
        client = self.client('integration')
        with self.assertRaises(integration_client.RPCError):
            integration_client.read_protocol(client, other['id'])
        with self.assertRaises(integration_client.RPCError):
            client.call('see.service', 'write',
                [self.server.records['service']], {'name': "Mudado"})
        with self.assertRaises(integration_client.RPCError):
            client.call('see.protocol', 'delete', [other['id']])

    def test_command_line(self):
        "The example runs as the README shows it"
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            integration_client.main(['--url', self.server.url,
                    '--database', self.server.database,
                    '--login', 'integracao',
                    '--password', password('integration'),
                    '--service', self.service_code()])
        self.assertRegex(output.getvalue(),
            r'Protocolo \d+ registrado \(estado: draft\)')


if __name__ == '__main__':
    unittest.main()
