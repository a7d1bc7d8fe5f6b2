# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The operators' probes on a real server: /<db>/see/health turns 503 with
the reason when the scheduled jobs stop running and 200 when they run
again; /<db>/see/metrics parses with Prometheus' own text parser and
counts what the users did."""
import datetime as dt
import json
import os
import sys
import unittest
import urllib.error
import urllib.request

from tests.server import TrytonServer

TOKEN = 'sonda-de-saude-1234'
server = TrytonServer(web=False, config={
        'see_atendimento': {
            'health_token': TOKEN, 'health_cron_grace': '600'},
        'wsgi middleware': {
            'metrics': 'trytond.modules.see_atendimento.metrics.'
            'RequestMetrics'},
        })


def setUpModule():
    server.start()


def tearDownModule():
    server.stop()


def get(path, token=TOKEN):
    "(status, headers, body) of a GET of the database's path"
    request = urllib.request.Request(f'{server.url}{server.database}/{path}')
    if token:
        request.add_header('Authorization', f'Bearer {token}')
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def run_cron():
    "trytond-cron runs the jobs that are due, once, as its loop does"
    server._run([os.path.join(os.path.dirname(sys.executable),
                'trytond-cron'), '-c', server.config_file,
            '-d', server.database, '--once'])


class HealthTestCase(unittest.TestCase):

    def health(self):
        status, headers, body = get('see/health')
        self.assertEqual(headers['Content-Type'], 'application/json')
        report = json.loads(body)
        return status, report, {c['name']: c for c in report['checks']}

    def test_token_required(self):
        "Without the configured token the probes answer 403"
        for path in ['see/health', 'see/metrics']:
            for token in [None, 'errado']:
                with self.subTest(path=path, token=token):
                    status, _, body = get(path, token)
                    self.assertEqual(status, 403)
                    # Nothing of the checks or of the figures
                    self.assertNotIn(b'checks', body)
                    self.assertNotIn(b'see_protocols', body)

    def test_cron_stopped_and_back(self):
        "Jobs late beyond the grace: 503 naming the job; 200 once run"
        run_cron()
        status, report, checks = self.health()
        self.assertEqual((status, report['status']), (200, 'ok'), report)
        # see_telefonia and see_webchat add theirs
        self.assertLessEqual({'database', 'cron', 'bus', 'disk', 'ami',
                'chat_channels'}, set(checks))
        self.assertTrue(checks['bus']['channels'])
        self.assertIsNotNone(checks['cron']['last_run'])

        # trytond-cron stopped two hours ago: a job's call is overdue
        root = server.proteus('root')
        Cron = root.get('ir.cron')
        cron = Cron.find([('active', '=', True)], order=[('id', 'ASC')],
            limit=1)[0]
        cron.next_call = dt.datetime.now() - dt.timedelta(hours=2)
        cron.save()
        status, report, checks = self.health()
        self.assertEqual((status, report['status']), (503, 'fail'))
        self.assertFalse(checks['cron']['ok'])
        self.assertIn('trytond-cron', checks['cron']['message'])
        self.assertIn('120 minutos', checks['cron']['message'])
        self.assertTrue(checks['database']['ok'])

        run_cron()
        status, report, checks = self.health()
        self.assertEqual(status, 200, report)


class MetricsTestCase(unittest.TestCase):

    def families(self):
        from prometheus_client.parser import text_string_to_metric_families
        status, headers, body = get('see/metrics')
        self.assertEqual(status, 200, server.log()[-3000:])
        self.assertTrue(headers['Content-Type'].startswith('text/plain'))
        return {f.name: f for f in text_string_to_metric_families(
                body.decode())}

    def value(self, families, name, **labels):
        "The sum of name's samples of labels (0 without any)"
        if name not in families:
            return 0
        return sum(s.value for s in families[name].samples
            if s.name in {name, name + '_total'}
            and all(s.labels.get(k) == v for k, v in labels.items()))

    def test_service_and_requests(self):
        "The figures of the day and the requests, as Prometheus reads them"
        before = self.families()
        agent = server.proteus('agent')
        Protocol = agent.get('see.protocol')
        protocol = Protocol(requester_name="Métrica da Silva",
            description="Dúvida sobre matrícula")
        protocol.save()
        after = self.families()
        self.assertEqual(
            self.value(after, 'see_protocols_created_today',
                channel='telefone')
            - self.value(before, 'see_protocols_created_today',
                channel='telefone'), 1)
        self.assertGreaterEqual(
            self.value(after, 'see_protocols_open', state='draft'), 1)
        for name in ['see_escalations_open', 'see_chats']:
            self.assertIn(name, after)
        # The RPC calls of proteus and the scrapes themselves were counted
        self.assertGreater(self.value(after, 'see_http_requests',
                handler='see', method='GET', status='2xx'),
            self.value(before, 'see_http_requests',
                handler='see', method='GET', status='2xx'))
        self.assertGreater(self.value(after, 'see_http_requests',
                handler='rpc', method='POST', status='2xx'), 0)
        self.assertIn('see_http_request_duration_seconds', after)
