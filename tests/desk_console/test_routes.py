# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The desk console's routes over HTTP, without a browser: who may use a
desk, and the refusals the console shows with the server's message."""
import unittest

from tests.desk_console.fixture import Console, Site, new_server

server = new_server()
site = Site(server)


def setUpModule():
    server.start()
    site.create()


def tearDownModule():
    server.stop()


class ConsoleRoutesTestCase(unittest.TestCase):

    def setUp(self):
        site.clear()
        self.desk1 = site.ids['desk1']
        self.desk2 = site.ids['desk2']

    def assertRefused(self, answer, status, *words):
        code, body = answer
        self.assertEqual(code, status, body)
        message = body['error']['message']
        for word in words:
            self.assertIn(word, message)
        return message

    def test_pages_and_login(self):
        "The page is public with a strict policy; the data needs a session"
        import urllib.request
        for path in ['see_presencial/console',
                f'{server.database}/see_presencial/console']:
            with urllib.request.urlopen(server.url + path) as response:
                csp = response.headers['Content-Security-Policy']
                self.assertIn("script-src 'self'", csp)
                self.assertNotIn('unsafe-inline', csp)
                self.assertIn('Console do guichê', response.read().decode())
        anonymous = Console(server, None)
        self.assertEqual(anonymous.call('GET', '/desks')[0], 401)
        self.assertEqual(anonymous.act(self.desk1, 'call_next')[0], 401)

    def test_desks_of_each_role(self):
        "Each user gets the desks where they are on duty or supervise"
        def desks(login):
            code, body = Console(server, login).call('GET', '/desks')
            self.assertEqual(code, 200, body)
            return [d['name'] for d in body['desks']]
        self.assertEqual(desks('ana'), ["Guichê 1", "Guichê 2"])
        self.assertEqual(desks('bruno'), ["Guichê 2"])
        self.assertEqual(desks('sara'), ["Guichê 1", "Guichê 2"])
        self.assertEqual(desks('caio'), ["Guichê 1"])
        self.assertEqual(desks('rita'), [])

    def test_others_cannot_use_the_desk(self):
        """An agent of another desk or site, the reception and the
        supervisor of another site get 403 with the reason, and nothing
        is done; the desk's agent and its site's supervisor may act"""
        ticket, number = site.issue('enrolment')
        for login in ['bruno', 'caio', 'rita', 'otto']:
            console = Console(server, login)
            self.assertRefused(console.desk(self.desk1), 403,
                "Guichê 1", "Unidade Recife Centro")
            self.assertRefused(console.act(self.desk1, 'call_next'), 403,
                "Guichê 1")
            self.assertRefused(
                console.act(self.desk1, 'call', ticket=ticket), 403)
        self.assertEqual(site.ticket(ticket)[1], 'waiting')

        ana = Console(server, 'ana')
        code, body = ana.act(self.desk1, 'call_next')
        self.assertEqual(code, 200, body)
        self.assertEqual(body['current']['number'], number)
        # A called ticket of desk 1 is out of reach of the others, whatever
        # the action
        for login in ['bruno', 'rita', 'otto']:
            console = Console(server, login)
            for action in ['recall', 'start', 'no_show', 'transfer',
                    'cancel', 'finish']:
                self.assertRefused(console.act(
                        self.desk1, action, ticket=ticket, reason="x",
                        desk=self.desk2), 403)
            # Nor through a desk of their own
            if login == 'bruno':
                self.assertRefused(console.act(
                        self.desk2, 'recall', ticket=ticket), 400,
                    number, "Guichê 2")
        self.assertEqual(site.ticket(ticket)[1:4],
            ('called', self.desk1, 1))

        sara = Console(server, 'sara')
        code, body = sara.act(self.desk1, 'recall', ticket=ticket)
        self.assertEqual(code, 200, body)
        self.assertEqual(body['current']['call_count'], 2)

    def test_refusals_with_messages(self):
        "What the model refuses comes back as its Portuguese message"
        ana = Console(server, 'ana')
        self.assertRefused(ana.act(self.desk1, 'call_next'), 400,
            "Guichê 1")
        waiting, waiting_number = site.issue('enrolment')
        other, other_number = site.issue('enrolment', site=site.ids[
                'other_site'])
        # Desk 2 does not serve enrolment: not in its queue
        self.assertRefused(ana.act(self.desk2, 'call', ticket=waiting), 400,
            waiting_number, "Guichê 2")
        # A ticket of another site the agent cannot see
        self.assertEqual(ana.act(self.desk1, 'call', ticket=other)[0], 404)
        self.assertEqual(ana.act(self.desk1, 'call', ticket='x')[0], 400)
        self.assertEqual(ana.act(self.desk1, 'fly', ticket=waiting)[0], 404)
        self.assertEqual(ana.desk(999999)[0], 404)
        self.assertEqual(ana.call('POST', f'/desk/{self.desk1}/call',
                raw=b'[1')[0], 400)

        code, body = ana.act(self.desk1, 'call', ticket=waiting)
        self.assertEqual(code, 200, body)
        # The desk is busy
        second, _ = site.issue('enrolment')
        self.assertRefused(ana.act(self.desk1, 'call', ticket=second), 400,
            waiting_number)
        # No-show before the site's 2 calls
        self.assertRefused(ana.act(self.desk1, 'no_show', ticket=waiting),
            400, "2")
        # Cancel without a reason
        self.assertRefused(ana.act(self.desk1, 'cancel', ticket=waiting,
                reason="  "), 400)
        # Transfer to nowhere, to a service the site does not offer
        self.assertRefused(ana.act(self.desk1, 'transfer', ticket=waiting),
            400)
        # A waiting ticket is not at the desk
        self.assertRefused(ana.act(self.desk1, 'start', ticket=second), 400,
            "Guichê 1")
        # Finish before the protocol ended
        self.assertEqual(
            ana.act(self.desk1, 'start', ticket=waiting)[0], 200)
        self.assertRefused(ana.act(self.desk1, 'finish', ticket=waiting),
            400, waiting_number)
        # The requester's CPF is checked by the protocol
        self.assertRefused(ana.act(self.desk1, 'identify', ticket=waiting,
                requester_name="Maria", requester_cpf='529.982.247-24'), 400)
        self.assertIsNone(server.query(
                "SELECT requester_name FROM see_protocol WHERE id = %s",
                (site.ticket(waiting)[5],))[0][0])
        # Resolve without an answer: nothing is written
        self.assertEqual(ana.act(self.desk1, 'identify', ticket=waiting,
                requester_name="Maria", requester_cpf='529.982.247-25')[0],
            200)
        self.assertRefused(ana.act(self.desk1, 'resolve', ticket=waiting,
                classification=site.ids['classification']), 400)
        self.assertEqual(server.query(
                "SELECT state, classification FROM see_protocol "
                "WHERE id = %s", (site.ticket(waiting)[5],))[0],
            ('attending', None))
        self.assertEqual(site.ticket(waiting)[1], 'attending')

    def test_queue_in_the_rule_order(self):
        "The queue is listed as the site's rule would call it"
        first, _ = site.issue('enrolment')
        elder, _ = site.issue('enrolment', 'IDOSO60')
        eldest, _ = site.issue('enrolment', 'IDOSO80')
        free_pass, _ = site.issue('free_pass')
        code, body = Console(server, 'ana').desk(self.desk1)
        self.assertEqual(code, 200, body)
        ids = [t['id'] for t in body['queue']]
        self.assertEqual(set(ids), {first, elder, eldest, free_pass})
        # Priority first (80+ before 60+), then a normal ticket by arrival
        self.assertEqual(ids[:2], [eldest, elder])
        code, body = Console(server, 'bruno').desk(self.desk2)
        self.assertEqual([t['id'] for t in body['queue']], [free_pass])
        code, body = Console(server, 'ana').act(self.desk1, 'call_next')
        self.assertEqual(body['current']['id'], eldest)


def unit_client(login):
    "The unit dashboard's routes with the session of login (None: none)"
    client = Console(server, login)
    client.base = f'{server.url}{server.database}/see_presencial/unit'
    return client


SERVICE_FIELDS = ['waiting', 'called', 'attending', 'suspended',
    'finished', 'cancelled', 'no_show', 'total', 'tme', 'tme_tickets',
    'tma', 'tma_tickets']


class UnitDashboardRoutesTestCase(unittest.TestCase):
    "The unit supervisor's live dashboard: the dashboard models' rows"

    def rpc_rows(self, login, model, fields):
        "The rows of model over RPC as login, by id"
        conn = site.proteus(login)
        Model = conn.get(model)
        return {r['id']: r for r in Model._proxy.search_read(
                [], 0, None, None, fields + ['site'], conn.config.context)}

    def test_page_and_session(self):
        "The page is public with a strict policy; the data needs a session"
        import urllib.request
        for path in ['see_presencial/unit',
                f'{server.database}/see_presencial/unit']:
            with urllib.request.urlopen(server.url + path) as response:
                csp = response.headers['Content-Security-Policy']
                self.assertIn("script-src 'self'", csp)
                self.assertNotIn('unsafe-inline', csp)
                self.assertIn('Painel da unidade', response.read().decode())
        with urllib.request.urlopen(
                server.url + 'see_presencial/static/unit.js') as response:
            self.assertIn('see_presencial/unit', response.read().decode())
        self.assertEqual(unit_client(None).call('GET', '/data')[0], 401)

    def test_supervisor_sees_the_dashboard_of_their_site(self):
        """Each supervisor gets their own site only, the figures equal to
        what the dashboard's models answer them over RPC"""
        site.clear()
        site.issue('enrolment')
        site.issue('enrolment', 'IDOSO60')
        site.issue('free_pass')
        site.issue('enrolment', site=site.ids['other_site'])
        code, body = Console(server, 'ana').act(site.ids['desk1'],
            'call_next')
        self.assertEqual(code, 200, body)
        called = body['current']['number']

        for login, site_id, name in [
                ('sara', site.ids['site'], "Unidade Recife Centro"),
                ('otto', site.ids['other_site'], "Unidade Caruaru")]:
            code, body = unit_client(login).call('GET', '/data')
            self.assertEqual(code, 200, body)
            self.assertTrue(body['time'])
            self.assertIn(f'/#{server.database}/model/see.site.dashboard',
                body['links']['services'])
            self.assertEqual([(s['id'], s['name']) for s in body['sites']],
                [(site_id, name)])
            data, = body['sites']
            expected = self.rpc_rows(login, 'see.site.dashboard',
                SERVICE_FIELDS + ['longest_wait'])
            self.assertEqual({r['id'] for r in data['services']},
                set(expected))
            for row in data['services']:
                rpc = expected[row['id']]
                self.assertEqual(rpc['site'], site_id)
                for field in SERVICE_FIELDS:
                    value = rpc[field]
                    if field in {'tme', 'tma'} and value is not None:
                        value = round(value)
                    self.assertEqual(row[field], value, field)
                # Measured against the time of each read
                self.assertAlmostEqual(row['longest_wait'],
                    rpc['longest_wait'], delta=5)
            expected = self.rpc_rows(login, 'see.site.dashboard.desk',
                ['status', 'agents', 'ticket', 'finished', 'tma_tickets'])
            self.assertEqual({r['id'] for r in data['desks']},
                set(expected))
            for row in data['desks']:
                rpc = expected[row['id']]
                for field in ['status', 'agents', 'finished',
                        'tma_tickets']:
                    self.assertEqual(row[field], rpc[field], field)
                self.assertEqual(row['ticket'] is None,
                    rpc['ticket'] is None)

        code, body = unit_client('sara').call('GET', '/data')
        services = {r['service']: r for r in body['sites'][0]['services']}
        # The called ticket left the queue: 1 enrolment waiting, 1 pass
        self.assertEqual(services['Passe Livre']['waiting'], 1)
        self.assertEqual(sum(r['waiting'] for r in services.values()), 2)
        self.assertEqual(sum(r['called'] for r in services.values()), 1)
        desks = {r['desk']: r for r in body['sites'][0]['desks']}
        self.assertEqual(desks['Guichê 1']['status'], 'busy')
        self.assertEqual(desks['Guichê 1']['status_name'], "Ocupado")
        self.assertEqual(desks['Guichê 1']['ticket'], called)
        self.assertEqual(desks['Guichê 2']['status'], 'free')

    def test_reception_and_desk_agents_are_refused(self):
        """The reception and the desk agents may not read the dashboard
        (tests/rights.csv): 403 with the reason"""
        for login in ['rita', 'ana', 'caio']:
            code, body = unit_client(login).call('GET', '/data')
            self.assertEqual(code, 403, body)
            self.assertTrue(body['error']['message'])
