# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Nobody rewrites what the PBX measured, over the real JSON-RPC API.

The calls come from the AMI simulator through the real see-ami-connector
process (as the database's technical user); the users try, as in issue
#12, to rewrite a call's times, to read calls as the integration user, to
call back another agent's requester and to read another agent's screen
pops on the bus."""
import json
import sys
import time
import unittest
import urllib.request
from pathlib import Path

from tests.ami.process import ConnectorProcess
from trytond.modules.see_telefonia.connector.simulator import (
    AMISimulator, CallScript)
from tests.server import TrytonServer, password

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'examples'))
import integration_client  # noqa: E402

MODULES = ['see_atendimento', 'see_sla', 'see_telefonia']
# The bus answers an empty poll after 2 s instead of 5 minutes
server = TrytonServer(modules=MODULES, web=False, env={
        'TRYTOND_BUS__ALLOW_SUBSCRIBE': 'True',
        'TRYTOND_BUS__LONG_POLLING_TIMEOUT': '2',
        })
pbx = AMISimulator(version=20)
connector = ConnectorProcess(server, '--batch-wait', '0.02',
    prefix='see-integrity-spool-')


def setUpModule():
    pbx.start()
    server.start()
    root = server.proteus('root')
    ami = root.get('see.ami.server')(name='PABX', host='127.0.0.1',
        port=pbx.port, user=pbx.user, secret=pbx.secret)
    ami.save()
    Agent = root.get('see.telephony.agent')
    for extension, role in [('1001', 'agent'), ('1002', 'agent2'),
            ('1003', 'supervisor')]:
        Agent(server=ami, interface='PJSIP/%s' % extension,
            extension=extension, user=server.users[role].id).save()
    connector.start()
    if not pbx.wait_ready(timeout=60):
        raise RuntimeError("connector did not log in")


def tearDownModule():
    connector.stop()
    pbx.stop()
    server.stop()


def call_row(linkedid, timeout=15):
    "The finished call of linkedid as the connector stored it"
    columns = ['id', 'agent', 'disposition', 'wait_seconds', 'talk_seconds']
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = server.query('SELECT %s FROM see_call WHERE linkedid = %%s'
            % ', '.join(columns), (linkedid,))
        if rows and rows[0][2] not in {None, 'in_progress'}:
            return dict(zip(columns, rows[0]))
        time.sleep(0.1)
    raise AssertionError("call %s not stored" % linkedid)


def answered_call(caller, agent='1001'):
    "A call answered by agent, stored by the connector"
    script = CallScript(caller=caller, agent=agent, start=time.time() - 60)
    pbx.send_events(script.answered(ivr=5, hold=15, talk=40))
    return call_row(script.linkedid)


class Client(integration_client.TrytonClient):
    "A user of the JSON-RPC API, who may also poll the bus"

    def __init__(self, role):
        super().__init__(server.url, server.database)
        self.user_id = self.login(server.users[role].login, password(role))
        self.bus_url = f'{server.url}{server.database}/bus'

    def poll(self, channels, last_message=None):
        "One long poll of the bus: (channel, message), both None if none"
        request = urllib.request.Request(self.bus_url, data=json.dumps({
                    'channels': channels, 'last_message': last_message,
                    }).encode(), headers={
                'Content-Type': 'application/json',
                'Authorization': self.authorization,
                }, method='POST')
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        return answer['channel'], answer['message']

    def messages(self, channels):
        "Every message the bus still holds for channels, and the channels"
        received, last = [], None
        while True:
            channel, message = self.poll(channels, last)
            if message is None:
                return received
            received.append((channel, message))
            last = message['message_id']


class IntegrityTestCase(unittest.TestCase):

    def client(self, role):
        client = Client(role)
        self.addCleanup(client.logout)
        return client

    def test_measured_times_read_only(self):
        "Agent, supervisor and admin cannot rewrite a call's times"
        call = answered_call('81991239001')
        for role in ['agent', 'supervisor', 'admin']:
            client = self.client(role)
            for name in ['talk_seconds', 'wait_seconds', 'disposition',
                    'agent']:
                with self.subTest(role=role, field=name):
                    with self.assertRaises(
                            integration_client.RPCError) as context:
                        client.call('see.call', 'write', [call['id']],
                            {name: None})
                    self.assertIn('preenchido pelo sistema',
                        context.exception.message)
        self.assertEqual(server.query('SELECT agent, disposition, '
                'wait_seconds, talk_seconds FROM see_call WHERE id = %s',
                (call['id'],)), [(call['agent'], 'answered', 15, 40)])

    def test_integration_reads_no_call(self):
        "The integration user reads no call (caller's phone, agent)"
        answered_call('81991239002')
        client = self.client('integration')
        call_id, = server.query('SELECT MAX(id) FROM see_call')[0]
        for method, args in [('search', [[], 0, None, None]),
                ('read', [[call_id], ['caller']])]:
            with self.subTest(method=method):
                with self.assertRaises(integration_client.RPCError) as context:
                    client.call('see.call', method, *args)
                self.assertIn('Chamada', context.exception.message)

    def test_call_back_own_protocols_only(self):
        "Click-to-dial on another agent's protocol is refused"
        agent = self.client('agent')
        protocol = integration_client.register_protocol(agent, "Rita",
            "81998760009", 'MATRICULA', "Retorno", channel='telefone')
        other = self.client('agent2')
        with self.assertRaises(integration_client.RPCError) as context:
            other.call('see.protocol', 'call_back', [protocol['id']])
        self.assertIn('seus próprios protocolos', context.exception.message)
        self.assertEqual(server.query(
                'SELECT COUNT(*) FROM see_telephony_originate '
                'WHERE protocol = %s', (protocol['id'],)), [(0,)])
        # Its agent and a supervisor may
        agent.call('see.protocol', 'call_back', [protocol['id']])
        self.client('supervisor').call(
            'see.protocol', 'call_back', [protocol['id']])
        rows = server.query('SELECT "user" FROM see_telephony_originate '
            'WHERE protocol = %s ORDER BY id', (protocol['id'],))
        self.assertEqual(rows, [(server.users['agent'].id,),
                (server.users['supervisor'].id,)])

    def test_screen_pop_reaches_only_its_agent(self):
        "Another agent subscribing to Ana's channels receives nothing"
        agent, other = self.client('agent'), self.client('agent2')
        spied = ['notification:%d' % agent.user_id, 'user:%d' % agent.user_id]
        # The first poll starts the server's listener of the bus
        self.assertEqual(other.poll(spied), (None, None))

        caller = '81991239003'
        call = answered_call(caller)
        self.assertEqual(call['agent'], agent.user_id)

        received = agent.messages(['notification:%d' % agent.user_id])
        self.assertIn('user:%d' % agent.user_id, {c for c, _ in received})
        self.assertIn('notification:%d' % agent.user_id,
            {c for c, _ in received})
        self.assertIn('+55' + caller, json.dumps(received))

        spied_messages = other.messages(spied)
        self.assertFalse({c for c, _ in spied_messages} & set(spied))
        self.assertNotIn(caller[2:], json.dumps(spied_messages))
