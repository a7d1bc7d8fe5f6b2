# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The AMI connector through its TCP socket, checking rows in PostgreSQL.

A real trytond database (tests.server.TrytonServer), the real
``see-ami-connector`` process and the AMI simulator on loopback; timings
are shortened with the connector's options."""
import datetime as dt
import json
import os
import select
import time
import unittest

from tests.ami.process import ConnectorProcess
from trytond.modules.see_telefonia.connector.simulator import (
    AMISimulator, CallScript)
from tests.server import TrytonServer, _connect

MODULES = ['see_atendimento', 'see_sla', 'see_telefonia']
server = TrytonServer(modules=MODULES, web=False)
pbx = AMISimulator(version=20)
connector = ConnectorProcess(server, '--ping-interval', '0.5',
    '--ping-timeout', '1', '--backoff-base', '0.2', '--backoff-cap', '1',
    '--db-retry', '1', '--batch-wait', '0.02', '--spool-after', '1')


def setUpModule():
    pbx.start()
    server.start()
    root = server.proteus('root')
    Server = root.get('see.ami.server')
    ami = Server(name='PABX', host='127.0.0.1', port=pbx.port,
        user=pbx.user, secret=pbx.secret)
    ami.save()
    Agent = root.get('see.telephony.agent')
    for tech in ['PJSIP', 'SIP']:
        Agent(server=ami, interface='%s/1001' % tech, extension='1001',
            user=server.users['agent'].id).save()
        Agent(server=ami, interface='%s/1002' % tech, extension='1002',
            user=server.users['agent2'].id).save()
    connector.start()
    if not pbx.wait_ready(timeout=60):
        raise RuntimeError("connector did not log in:\n" + log())


def tearDownModule():
    connector.stop()
    pbx.stop()
    server.stop()


def log():
    return connector.log()


def call_row(linkedid, timeout=15, until=None):
    "Wait for the call's row (and condition until on it) and return it"
    deadline = time.time() + timeout
    columns = ['id', 'disposition', 'direction', 'caller', 'queue_name',
        'agent', 'ivr_seconds', 'wait_seconds', 'talk_seconds', 'recording',
        'transferred', 'closed_by', 'hangup_date', 'survey_score',
        'protocol', 'trunk']
    row = None
    while time.time() < deadline:
        rows = server.query(
            'SELECT %s FROM see_call WHERE linkedid = %%s'
            % ', '.join(columns), (linkedid,))
        if rows:
            row = dict(zip(columns, rows[0]))
            if until is None or until(row):
                return row
        time.sleep(0.1)
    raise AssertionError("call %s: %r\n%s" % (linkedid, row, log()[-3000:]))


def finished(row):
    return row['disposition'] not in {None, 'in_progress'}


class ConnectorTestCase(unittest.TestCase):

    def test_login_before_anything(self):
        "Only Login before ready, with the event mask; no secret in logs"
        first = pbx.all_connections[0]
        name, authenticated, keys = first.actions[0]
        self.assertEqual(name, 'login')
        self.assertEqual(keys['events'], 'system,call,dialplan,agent,user,cdr')
        for name, authenticated, _ in first.actions:
            self.assertTrue(authenticated or name == 'login')
        self.assertNotIn(pbx.secret, log())

    def test_answered_with_screen_pop_and_survey(self):
        "Answered call: times, agent, recording, bus notification, survey"
        listener = _connect(server.database)
        listener.autocommit = True
        listener.execute('LISTEN "bus"')
        script = CallScript(caller='81998765432', start=time.time() - 60)
        pbx.send_events(script.answered(ivr=10, hold=20, talk=120,
                survey=9))
        row = call_row(script.linkedid, until=finished)
        self.assertEqual(row['disposition'], 'answered')
        self.assertEqual(row['direction'], 'inbound')
        self.assertEqual(row['caller'], '+5581998765432')
        self.assertEqual(row['trunk'], 'operadora')
        self.assertEqual(row['queue_name'], 'matricula')
        self.assertEqual(row['agent'], server.users['agent'].id)
        self.assertEqual(row['ivr_seconds'], 10)
        self.assertEqual(row['wait_seconds'], 20)
        self.assertEqual(row['talk_seconds'], 120)
        self.assertEqual(row['survey_score'], 9)
        self.assertTrue(row['recording'].endswith('%s.wav' % script.uniqueid))
        self.assertEqual(row['closed_by'], 'hangup')
        # The screen pop went to the agent's channel only
        channels = []
        deadline = time.time() + 5
        for notify in listener.notifies(timeout=5):
            channels.append(json.loads(notify.payload)['channel'])
            if time.time() > deadline or 'user:%d' % (
                    server.users['agent'].id) in channels:
                break
        listener.close()
        self.assertIn('user:%d' % server.users['agent'].id, channels)
        self.assertNotIn('user:%d' % server.users['agent2'].id, channels)
        notifications = server.query(
            'SELECT "user", label FROM res_notification '
            'WHERE label LIKE %s', ('%98765-432%',)) or server.query(
            'SELECT "user", label FROM res_notification')
        self.assertTrue(any(u == server.users['agent'].id
                for u, _ in notifications))

    def test_abandoned_short_and_long(self):
        short = CallScript(caller='81991110001')
        long_ = CallScript(caller='81991110002', start=time.time() - 100)
        pbx.send_events(short.abandoned(wait=3) + long_.abandoned(wait=70))
        self.assertEqual(call_row(short.linkedid, until=finished)[
                'disposition'], 'abandoned_short')
        row = call_row(long_.linkedid, until=finished)
        self.assertEqual(row['disposition'], 'abandoned_long')
        self.assertEqual(row['wait_seconds'], 70)

    def test_ivr_only(self):
        script = CallScript(caller='81991110003')
        pbx.send_events(script.ivr_only(ivr=40))
        row = call_row(script.linkedid, until=finished)
        self.assertEqual(row['disposition'], 'ivr')
        self.assertEqual(row['ivr_seconds'], 40)
        self.assertIsNone(row['queue_name'])

    def test_transfer(self):
        script = CallScript(caller='81991110004')
        pbx.send_events(script.transferred())
        row = call_row(script.linkedid, until=finished)
        self.assertTrue(row['transferred'])
        self.assertEqual(row['disposition'], 'answered')
        self.assertEqual(row['agent'], server.users['agent2'].id)
        count, = server.query('SELECT COUNT(*) FROM see_call '
            'WHERE linkedid = %s', (script.linkedid,))[0]
        self.assertEqual(count, 1)

    def test_duplicated_and_malformed_frames(self):
        script = CallScript(caller='81991110005')
        events = script.answered(hold=5, talk=30)
        pbx.send_raw(b'this is not an AMI frame\r\n\r\n')
        pbx.send_raw(b'Event: Hangup\r\nChannel: PJSIP/x-1\r\n\r\n')
        pbx.send_raw(b'Event: SomethingNew\r\nFoo: bar\r\n\r\n')
        pbx.send_events(events + events[3:9] + events)
        row = call_row(script.linkedid, until=finished)
        self.assertEqual(row['disposition'], 'answered')
        self.assertEqual(row['talk_seconds'], 30)
        count, = server.query('SELECT COUNT(*) FROM see_call '
            'WHERE linkedid = %s', (script.linkedid,))[0]
        self.assertEqual(count, 1)
        text = log()
        self.assertIn('this is not an AMI frame', text)
        self.assertIn('skipped malformed event', text)
        # Still working afterwards
        after = CallScript(caller='81991110006')
        pbx.send_events(after.ivr_only(ivr=5))
        call_row(after.linkedid, until=finished)

    def test_variants_16_18(self):
        for version in [16, 18]:
            script = CallScript(version=version, caller='81991110007')
            pbx.send_events(script.answered(hold=8, talk=50))
            row = call_row(script.linkedid, until=finished)
            self.assertEqual(row['disposition'], 'answered', version)
            self.assertEqual(row['agent'], server.users['agent'].id)
            self.assertEqual(row['wait_seconds'], 8)
            self.assertEqual(row['trunk'], 'operadora')

    def call_back(self, phone):
        "The agent asks for a call-back of a new protocol; return it"
        agent = server.proteus('agent')
        protocol = agent.get('see.protocol')()
        protocol.requester_name = "Rita Retorno"
        protocol.requester_phone = phone
        protocol.service = agent.get('see.service')(server.records['service'])
        protocol.description = "Retorno da resposta da SEE-PE"
        protocol.save()
        protocol.click('call_back')
        return protocol

    def originate_row(self, protocol, until, timeout=15):
        deadline = time.time() + timeout
        row = None
        while time.time() < deadline:
            rows = server.query('SELECT state, channel, exten, message '
                'FROM see_telephony_originate WHERE protocol = %s',
                (protocol.id,))
            row = rows[0] if rows else None
            if row and row[0] in until:
                return row
            time.sleep(0.1)
        raise AssertionError("originate of %s: %r\n%s" % (
                protocol.number, row, log()[-2000:]))

    def wait_originates(self, count, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline and len(pbx.originates) < count:
            time.sleep(0.1)
        self.assertEqual(len(pbx.originates), count, log()[-2000:])

    def test_ivr_seconds_never_negative(self):
        "A hold time longer than the call was known gives 0 s of IVR"
        script = CallScript(caller='81991110011', agent='1001')
        # AgentConnect's HoldTime puts the queue entry before the arrival
        events = (script.arrive() + script.join(1)
            + script.agent_events(2, 10) + script.complete(40, 37, 12)
            + script.agent_hangup(40) + script.hangup(40))
        pbx.send_events(events)
        row = call_row(script.linkedid, until=finished)
        self.assertEqual(row['disposition'], 'answered')
        self.assertEqual(row['ivr_seconds'], 0)
        self.assertGreaterEqual(row['wait_seconds'], 0)

    def test_malformed_frames_logged_bounded_without_secrets(self):
        "A malformed frame is logged raw, cut, its secrets masked"
        marker = 'Garbage-%d' % time.time()
        pbx.send_raw(('Secret: hunter2-secret\r\n%s: %s\r\n\r\n' % (
                    marker, 'x' * 5000)).encode())
        pbx.send_raw(('Event: Hangup\r\nPassword: pw-123-secret\r\n'
                'Channel: PJSIP/%s-1\r\n\r\n' % marker).encode())
        after = CallScript(caller='81991110012')
        pbx.send_events(after.ivr_only(ivr=5))
        call_row(after.linkedid, until=finished)
        deadline = time.time() + 5
        while time.time() < deadline and log().count(marker) < 2:
            time.sleep(0.1)
        lines = [l for l in log().splitlines() if marker in l]
        self.assertEqual(len(lines), 2, log()[-3000:])
        for line in lines:
            self.assertLess(len(line), 800)
            self.assertNotIn('hunter2', line)
            self.assertNotIn('pw-123', line)
        self.assertIn('Secret: ********', lines[0])
        self.assertIn('password: ********', lines[1].lower())
        self.assertNotIn('hunter2', log())
        self.assertNotIn('pw-123', log())

    def test_survey_from_another_channel(self):
        "A survey sent by another channel scores the call, adds no call"
        script = CallScript(caller='81991110013')
        pbx.send_events(script.answered(hold=5, talk=30))
        call_row(script.linkedid, until=finished)
        other = '%s.77' % script.base
        pbx.send_events([[('Event', 'UserEvent'),
                    ('Privilege', 'user,all'),
                    ('Timestamp', '%.6f' % (script.start + 60)),
                    ('Channel', 'Local/pesquisa@see-survey-00000001;2'),
                    ('Uniqueid', other), ('Linkedid', other),
                    ('UserEvent', 'SEESurvey'), ('Score', '7'),
                    ('CallLinkedid', script.linkedid)]])
        row = call_row(script.linkedid,
            until=lambda r: r['survey_score'] is not None)
        self.assertEqual(row['survey_score'], 7)
        self.assertEqual(server.query('SELECT COUNT(*) FROM see_call '
                'WHERE linkedid = %s', (other,))[0][0], 0)

    def test_agent_free_after_agent_complete(self):
        "AgentComplete frees the agent without a QueueMemberStatus"
        script = CallScript(caller='81991110014', agent='1004')
        start = (script.arrive() + script.join(1)
            + script.agent_events(3, 2))

        def status():
            rows = server.query('SELECT status FROM see_telephony_agent '
                'WHERE interface = %s', (script.interface,))
            return rows[0][0] if rows else None
        # In call (one batch), then the end of the call (a later batch)
        pbx.send_events(start)
        deadline = time.time() + 15
        while time.time() < deadline and status() != 'in_call':
            time.sleep(0.1)
        self.assertEqual(status(), 'in_call', log()[-2000:])
        pbx.send_events(script.complete(30, 26, 4)
            + script.agent_hangup(30) + script.hangup(30))
        call_row(script.linkedid, until=finished)
        deadline = time.time() + 5
        while time.time() < deadline and status() != 'free':
            time.sleep(0.1)
        self.assertEqual(status(), 'free')
        # and within one batch
        again = CallScript(caller='81991110015', agent='1005')
        pbx.send_events(again.arrive() + again.join(1)
            + again.agent_events(3, 2) + again.complete(30, 26, 4)
            + again.agent_hangup(30) + again.hangup(30))
        call_row(again.linkedid, until=finished)
        self.assertEqual(server.query(
                'SELECT status FROM see_telephony_agent '
                'WHERE interface = %s', (again.interface,))[0][0], 'free')

    def test_call_back_originate(self):
        "Ligar de volta: one Originate, agent's extension then requester"
        before = len(pbx.originates)
        protocol = self.call_back("(81) 99876-0001")
        self.wait_originates(before + 1)
        originate = pbx.originates[-1]
        self.assertEqual(originate['channel'], 'PJSIP/1001')
        self.assertEqual(originate['context'], 'see-callback')
        self.assertEqual(originate['exten'], '81998760001')
        self.assertEqual(originate['priority'], '1')
        self.assertEqual(originate['async'], 'true')
        self.assertEqual(originate['variable'],
            'SEE_PROTOCOL=%s' % protocol.number)
        (request_id,), = server.query('SELECT id FROM '
            'see_telephony_originate WHERE protocol = %s', (protocol.id,))
        self.assertEqual(originate['actionid'], 'originate-%d' % request_id)
        state, channel, exten, message = self.originate_row(
            protocol, {'done', 'failed'})
        self.assertEqual(state, 'done')
        self.assertEqual((channel, exten), ('PJSIP/1001', '81998760001'))
        self.assertEqual(message, 'Originate successfully queued')
        # Sent once
        time.sleep(2)
        self.assertEqual(len(pbx.originates), before + 1)

    def test_zz_originate_without_answer_not_resent(self):
        "An Originate left without answer by a lost PBX is never resent"
        pbx.answer_originates = False
        try:
            before = len(pbx.originates)
            protocol = self.call_back("(81) 99876-0002")
            self.wait_originates(before + 1)
            self.assertEqual(self.originate_row(protocol, {'sent'})[0],
                'sent')
            logins = len(pbx.all_connections)
            pbx.restart(down=0.5)
            self.assertTrue(pbx.wait_ready(timeout=15), log()[-2000:])
            self.assertGreater(len(pbx.all_connections), logins)
            state, _, _, _ = self.originate_row(protocol, {'unknown'})
            self.assertEqual(state, 'unknown')
            time.sleep(2)
            self.assertEqual(len(pbx.originates), before + 1)
        finally:
            pbx.answer_originates = True

    def test_zz_pbx_restart_mid_call(self):
        "A call in progress when the PBX restarts is closed by the resync"
        script = CallScript(caller='81991110008')
        pbx.send_events(script.arrive() + script.join(1))
        call_row(script.linkedid,
            until=lambda r: r['disposition'] == 'in_progress')
        logins = len(pbx.all_connections)
        pbx.restart(down=1.5)
        self.assertTrue(pbx.wait_ready(timeout=15), log()[-2000:])
        self.assertGreater(len(pbx.all_connections), logins)
        row = call_row(script.linkedid, until=finished)
        self.assertEqual(row['closed_by'], 'resync')
        self.assertEqual(row['disposition'], 'abandoned_short')
        # The PBX's own Hangup, late, replaces the resync's guess
        pbx.send_events(script.hangup(30))
        row = call_row(script.linkedid,
            until=lambda r: r['closed_by'] == 'hangup')
        # (dates are stored to the second)
        hangup = dt.datetime.fromtimestamp(round(script.start + 30),
            dt.timezone.utc).replace(tzinfo=None)
        self.assertEqual(row['hangup_date'], hangup)
        self.assertEqual(row['wait_seconds'], 29)
        self.assertEqual(row['disposition'], 'abandoned')
        # and calls keep flowing on the new connection
        after = CallScript(caller='81991110009')
        pbx.send_events(after.ivr_only(ivr=5))
        call_row(after.linkedid, until=finished)

    def test_zz_ping_timeout(self):
        "A PBX that stops answering is left and reconnected"
        count = len(pbx.all_connections)
        pbx.answer_pings = False
        try:
            deadline = time.time() + 10
            while time.time() < deadline and len(pbx.all_connections) \
                    == count:
                time.sleep(0.1)
        finally:
            pbx.answer_pings = True
        self.assertGreater(len(pbx.all_connections), count)
        self.assertTrue(pbx.wait_ready(timeout=10))

    def test_zzz_database_down(self):
        "Events are spooled while PostgreSQL refuses, then written"
        admin = _connect('postgres')
        admin.autocommit = True
        db = server.database
        admin.execute('ALTER DATABASE "%s" ALLOW_CONNECTIONS false' % db)
        admin.execute('SELECT pg_terminate_backend(pid) FROM '
            'pg_stat_activity WHERE datname = %s', (db,))
        script = CallScript(caller='81991110010')
        try:
            pbx.send_events(script.answered(hold=4, talk=20))
            spool = os.path.join(connector.spool, 'spool-1.jsonl')
            deadline = time.time() + 15
            while time.time() < deadline and not os.path.exists(spool):
                time.sleep(0.1)
            self.assertTrue(os.path.exists(spool), log()[-2000:])
            time.sleep(3)
        finally:
            admin.execute('ALTER DATABASE "%s" ALLOW_CONNECTIONS true' % db)
            admin.close()
        row = call_row(script.linkedid, timeout=30, until=finished)
        self.assertEqual(row['disposition'], 'answered')
        self.assertEqual(row['talk_seconds'], 20)


del select
