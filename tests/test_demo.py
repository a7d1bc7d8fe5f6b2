# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""scripts/demo.py, as `make demo` runs it: on a PostgreSQL cluster of its
own in a fresh folder, twice (the second time serving the web client),
without duplicating anything, with one user per role who can log in, and
the escalation board live between two browsers."""
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

from examples.integration_client import RPCError, TrytonClient
from tests.browser.chrome import TIMEOUT, available, new_driver

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))
import pgcluster  # noqa: E402

DATABASE = 'see_demo_test'
ROLE_GROUPS = {
    'atendente': 'group_agent',
    'atendente2': 'group_agent',
    'supervisor': 'group_supervisor',
    'unidade': 'group_unit',
    'gestor': 'group_contract_manager',
    'fiscal': 'group_fiscal',
    'auditor': 'group_auditor',
    'admin': 'group_admin',
    'integracao': 'group_integration',
    }
COUNTED = [
    'see_unit', 'see_service', 'see_kb_article', 'see_kb_rating',
    'see_protocol', 'see_protocol_escalation', 'see_protocol_event',
    'party_party', 'res_user', '"res_user-res_group"', '"see_unit-res_user"',
    'res_notification', 'see_contract', 'see_service_order',
    'see_platform_incident', 'see_sla_measurement',
    'see_sla_measurement_line', 'see_call', 'see_telephony_agent',
    'see_chat_session', 'see_chat_message', 'see_site', 'see_site_desk',
    'see_ticket', 'see_ticket_event',
    ]


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class DemoTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory(prefix='see-demo-')
        folder = Path(cls.directory.name)
        cls.cluster = pgcluster.Cluster(folder / 'postgres')
        cls.files = folder / 'files'
        cls.port = _free_port()
        cls.url = f'http://127.0.0.1:{cls.port}'
        cls.addClassCleanup(cls.directory.cleanup)
        cls.addClassCleanup(cls.cluster.stop)
        cls.first = cls.run_demo()
        cls.stopped_after_first = not cls.cluster.port
        cls.uri = cls.cluster.start()
        cls.counts_first = cls.counts()
        cls.cluster.stop()
        cls.serve_start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        cls.second = cls.serve_demo()
        cls.counts_second = cls.counts(before=cls.serve_start)

    @classmethod
    def arguments(cls):
        return [sys.executable, 'scripts/demo.py', '--database', DATABASE,
            '--cluster', str(cls.cluster.path),
            '--database-path', str(cls.files)]

    @classmethod
    def environment(cls):
        env = os.environ.copy()
        # What `make` exports: the demo still uses its own cluster
        env['TRYTOND_DATABASE__URI'] = 'postgresql://127.0.0.1:1/'
        env.pop('TRYTOND_CONFIG', None)
        env.pop('SEE_DEMO_ADMIN_PASSWORD', None)
        return env

    @classmethod
    def run_demo(cls):
        process = subprocess.run(cls.arguments(),
            cwd=ROOT, env=cls.environment(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        if process.returncode:
            raise AssertionError(
                f"scripts/demo.py failed:\n{process.stdout[-5000:]}")
        return process.stdout

    @classmethod
    def serve_demo(cls):
        """Run the demo as `make demo` does, serving on a free port; return
        what it printed once the web client answers"""
        output = []
        cls.demo = subprocess.Popen(
            [*cls.arguments(), '--serve', '--listen', f'127.0.0.1:{cls.port}'],
            cwd=ROOT, env=cls.environment(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        cls.addClassCleanup(cls.stop_demo)
        reader = threading.Thread(
            target=lambda: output.extend(cls.demo.stdout), daemon=True)
        reader.start()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if cls.demo.poll() is not None:
                reader.join(5)
                raise AssertionError(
                    "scripts/demo.py --serve stopped:\n"
                    + ''.join(output)[-5000:])
            try:
                urllib.request.urlopen(cls.url + '/', timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the demo server never answered")
        cls.uri = cls.cluster.uri
        return ''.join(output)

    @classmethod
    def stop_demo(cls):
        "Stop the demo as Ctrl-C does: its server and its cluster stop"
        if cls.demo.poll() is None:
            cls.demo.send_signal(signal.SIGINT)
            cls.demo.wait(60)
        if cls.cluster.port:
            raise AssertionError("the demo's cluster still runs after it")

    @classmethod
    def query(cls, sql, *args):
        with psycopg.connect(cls.uri + DATABASE) as connection:
            return connection.execute(sql, args).fetchall()

    def run_in_database(self, code, *arguments):
        """Run code in a transaction on the demo database, in Portuguese,
        with pool and arguments; return what it prints"""
        script = (
            'import sys\n'
            'from trytond import config\n'
            'config.update_etc(sys.argv[1])\n'
            "config.set('database', 'uri', sys.argv[2])\n"
            'from trytond.pool import Pool\n'
            'from trytond.transaction import Transaction\n'
            'Pool(sys.argv[3]).init()\n'
            'arguments = sys.argv[4:]\n'
            "with Transaction().start(sys.argv[3], 0, "
            "context={'language': 'pt'}):\n"
            '    pool = Pool()\n'
            '    exec(sys.stdin.read())\n')
        return subprocess.run([sys.executable, '-c', script,
                str(ROOT / 'config' / 'demo.conf'), self.uri,
                DATABASE, *arguments], input=code,
            cwd=ROOT, capture_output=True, text=True, check=True).stdout

    @classmethod
    def counts(cls, before=None):
        """The rows of the counted tables; with before, the calls the live
        PBX made while the demo was served (from before on) apart"""
        result = {t: cls.query(f'SELECT COUNT(*) FROM {t}')[0][0]
            for t in COUNTED}
        if before:
            (result['see_call'],), = cls.query(
                'SELECT COUNT(*) FROM see_call WHERE create_date < %s', before)
        return result

    def test_cluster_of_its_own(self):
        """The demo runs on the PostgreSQL cluster it created in the folder
        given, stopped when the run ends, and on that one only"""
        self.assertTrue((self.cluster.data / 'PG_VERSION').is_file())
        self.assertTrue(self.stopped_after_first)
        self.assertIn('postgresql://postgres@127.0.0.1:', self.first)
        (version,), = self.query('SHOW server_version')
        self.assertTrue(version.startswith('18'))

    def test_board_live_between_browsers(self):
        """A move on the escalation board in one browser shows on the board
        open in another, without reloading it: the bus works in the demo"""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.support.ui import WebDriverWait
        reason = available()
        if reason:
            raise RuntimeError(reason)
        (escalation,), = self.query(
            'SELECT e.id FROM see_protocol_escalation e '
            'JOIN "see_unit-res_user" uu ON uu.unit = e.unit '
            'JOIN res_user u ON u.id = uu."user" '
            "WHERE u.login = 'unidade' AND e.state = 'new' "
            'ORDER BY e.id LIMIT 1')
        card = f'.card[data-id="{escalation}"]:not(.pending)'
        drivers = []
        try:
            for _ in range(2):
                profile = tempfile.mkdtemp(dir=self.directory.name)
                driver = new_driver(profile)
                drivers.append(driver)
                driver.get(f'{self.url}/{DATABASE}/see_atendimento/board')
                wait = WebDriverWait(driver, TIMEOUT)
                wait.until(lambda d: d.find_element('id', 'login-user')
                    .is_displayed())
                driver.find_element('id', 'login-user').send_keys('unidade')
                driver.find_element('id', 'login-password').send_keys(
                    'unidade-demo')
                driver.find_element('id', 'login-submit').click()
                wait.until(lambda d: d.find_elements('css selector', card))
            mover, watcher = drivers
            # The watcher opened last: its periodic refresh (every minute)
            # cannot come before the wait below ends
            watcher.execute_script('window.seeNotReloaded = true;')
            (ActionChains(mover)
                .click_and_hold(mover.find_element('css selector', card))
                .move_by_offset(15, 15)
                .move_to_element(mover.find_element('css selector',
                        '.column[data-state="analysis"]'))
                .pause(0.2)
                .release()
                .perform())
            WebDriverWait(watcher, TIMEOUT).until(
                lambda d: d.find_elements('css selector',
                    f'.column[data-state="analysis"] {card}'),
                "the move did not reach the other browser")
            self.assertTrue(watcher.execute_script(
                    'return window.seeNotReloaded === true;'))
            (state,), = self.query('SELECT state FROM '
                'see_protocol_escalation WHERE id = %s', escalation)
            self.assertEqual(state, 'analysis')
        finally:
            for driver in drivers:
                driver.quit()

    def client(self, login):
        "A JSON-RPC client of the served demo, logged in as login"
        client = TrytonClient(self.url, DATABASE)
        client.login(login, f'{login}-demo')
        return client

    def assert_refused(self, client, model, values, table, column, id_):
        "Assert the write is refused and the stored value unchanged"
        (before,), = self.query(
            f'SELECT {column} FROM {table} WHERE id = %s', id_)
        with self.assertRaises(RPCError) as refused:
            client.call(model, 'write', [id_], values)
        self.assertNotIn('Traceback', refused.exception.message)
        (after,), = self.query(
            f'SELECT {column} FROM {table} WHERE id = %s', id_)
        self.assertEqual(after, before)

    def readable(self, client, model, fields_):
        "The records of model that client reads, none when refused"
        try:
            return client.call(model, 'search_read', [], 0, None, None,
                fields_)
        except RPCError as error:
            # JSON-RPC names an access error after its base class
            self.assertIn(error.name, {'AccessError', 'UserError'})
            self.assertIn('não pode acessar', error.message)
            return []

    def test_integrity_probes(self):
        """The probes of the integrity review, against the demo as it is
        served: what the form shows read-only is refused over the API"""
        agent = self.client('atendente')
        (own_id, other_id), = self.query(
            "SELECT MIN(p.id) FILTER (WHERE u.login = 'atendente'), "
            "MIN(p.id) FILTER (WHERE u.login = 'atendente2') "
            'FROM see_protocol p JOIN res_user u ON u.id = p.agent '
            "WHERE p.state = 'attending'")
        (closed_id,), = self.query('SELECT MIN(p.id) FROM see_protocol p '
            "JOIN res_user u ON u.id = p.agent "
            "WHERE u.login = 'atendente' AND p.state = 'closed' "
            'AND p.survey_score IS NOT NULL')
        (agent_id,), = self.query(
            "SELECT id FROM res_user WHERE login = 'atendente'")
        for values, column, id_ in [
                ({'agent': agent_id}, 'agent', other_id),
                ({'number': 'HACKED'}, 'number', own_id),
                ({'survey_score': 5}, 'survey_score', closed_id),
                ({'state': 'closed'}, 'state', own_id),
                ({'closed_date': '2020-01-01T00:00:00'}, 'closed_date',
                    closed_id),
                ]:
            with self.subTest(field=column, protocol=id_):
                self.assert_refused(agent, 'see.protocol', values,
                    'see_protocol', column, id_)
        (call_id,), = self.query('SELECT MIN(id) FROM see_call')
        self.assert_refused(agent, 'see.call',
            {'talk_seconds': 1, 'wait_seconds': 1},
            'see_call', 'talk_seconds', call_id)

        unit = self.client('unidade')
        (new_id,), = self.query('SELECT MAX(id) FROM see_protocol_escalation '
            "WHERE state = 'new'")
        (answered_id,), = self.query('SELECT MIN(id) FROM '
            "see_protocol_escalation WHERE state IN ('answered', 'returned')")
        (other_unit,), = self.query('SELECT MAX(id) FROM see_unit')
        for values, column, id_ in [
                ({'state': 'returned'}, 'state', new_id),
                ({'unit': other_unit}, 'unit', answered_id),
                ({'answer': 'Outra resposta'}, 'answer', answered_id),
                ]:
            with self.subTest(field=column, escalation=id_):
                self.assert_refused(unit, 'see.protocol.escalation', values,
                    'see_protocol_escalation', column, id_)

        integration = self.client('integracao')
        self.assertEqual(self.readable(integration, 'see.call',
                ['caller', 'agent']), [])
        self.assertEqual(self.readable(integration,
                'party.contact_mechanism', ['value']), [])
        own = {r['id'] for r in self.readable(integration, 'see.protocol',
                ['number'])}
        self.assertFalse({e['protocol'] for e in self.readable(integration,
                    'see.protocol.event', ['protocol'])} - own)
        self.assertEqual({u['login'] for u in self.readable(integration,
                    'res.user', ['login'])} - {'integracao'}, set())

    def test_tickets_in_every_state(self):
        """The in-person site has today's queue tickets in every state,
        those attended with their presencial protocol"""
        states = dict(self.query(
                'SELECT state, COUNT(*) FROM see_ticket GROUP BY state'))
        self.assertEqual(set(states), {'waiting', 'called', 'attending',
                'suspended', 'finished', 'cancelled', 'no_show'})
        rows = self.query('SELECT t.state, p.channel, p.state FROM '
            'see_ticket t JOIN see_protocol p ON p.id = t.protocol')
        self.assertEqual({r[1] for r in rows}, {'presencial'})
        self.assertEqual(sorted(p for t, _, p in rows if t == 'finished'),
            ['resolved', 'resolved'])
        (desks,), = self.query('SELECT COUNT(*) FROM see_site_desk')
        self.assertEqual(desks, 3)

    def test_documents_in_every_state(self):
        """Two services have document checklists, with submissions in every
        state, a returned one with its rejected document marked, and a
        protocol routed through two sectors"""
        (checklists,), = self.query(
            'SELECT COUNT(*) FROM see_document_checklist')
        self.assertEqual(checklists, 2)
        states = {s for s, in self.query(
                'SELECT DISTINCT state FROM see_document_submission')}
        self.assertEqual(states, {'draft', 'submitted', 'in_review',
                'returned', 'approved', 'cancelled'})
        rows = self.query("SELECT problem_page, problem_region "
            "FROM see_document WHERE state = 'rejected'")
        self.assertTrue(rows)
        self.assertTrue(all(page and region for page, region in rows))
        trail = self.query('SELECT f.code, t.code, s.state '
            'FROM see_routing_step s JOIN see_unit f ON f.id = s.from_unit '
            'JOIN see_unit t ON t.id = s.to_unit '
            # The escalations of the demo make steps of their own
            "WHERE s.kind != 'escalation' ORDER BY s.id")
        self.assertEqual(trail, [('GMAT', 'GAC', 'done'),
                ('GAC', 'GDOC', 'received')])

    def test_site_calendar_and_supervisor(self):
        """The site is open at any hour (the demo issues tickets whenever it
        runs) and has its own supervisor, printed with the logins"""
        (calendar, start, end, days), = self.query(
            'SELECT c.name, c.start_time, c.end_time, c.monday AND '
            'c.tuesday AND c.wednesday AND c.thursday AND c.friday AND '
            'c.saturday AND c.sunday FROM see_site s '
            'JOIN see_sla_calendar c ON c.id = s.calendar '
            "WHERE s.code = 'REC'")
        self.assertIn("aberto todos os dias", calendar)
        self.assertEqual((start.hour, end.hour, days), (0, 23, True))
        (supervisor,), = self.query(
            'SELECT u.login FROM "see_site-res_user_supervisor" ss '
            'JOIN res_user u ON u.id = ss."user" '
            'JOIN see_site s ON s.id = ss.site '
            'JOIN "res_user-res_group" ug ON ug."user" = u.id '
            'JOIN ir_model_data d ON d.db_id = ug."group" '
            "AND d.model = 'res.group' AND d.module = 'see_presencial' "
            "AND d.fs_id = 'group_site_supervisor' "
            "WHERE s.code = 'REC'")
        self.assertEqual(supervisor, 'supervisor-unidade')
        self.assertIn(' supervisor-unidade ', self.second)
        self.client('supervisor-unidade')

    def test_no_configuration_wizard(self):
        "The administrator's first login opens the menu, not a wizard"
        self.assertEqual(self.query('SELECT COUNT(*) FROM '
                "ir_module_config_wizard_item WHERE state = 'open'"), [(0,)])

    def test_second_run_duplicates_nothing(self):
        "Running it again adds no record"
        self.assertEqual(self.counts_second, self.counts_first)
        self.assertIn("nada duplicado", self.second)

    def test_modules_activated(self):
        "Every module of addons/ is activated"
        modules = {p.parent.name for p in ROOT.glob('addons/*/tryton.cfg')}
        activated = {n for n, in self.query(
                "SELECT name FROM ir_module WHERE state = 'activated'")}
        self.assertLessEqual(modules, activated)

    def test_portuguese(self):
        "Portuguese is the language of the database, with its translations"
        translatable, = self.query(
            "SELECT translatable FROM ir_lang WHERE code = 'pt'")[0]
        self.assertTrue(translatable)
        count, = self.query(
            "SELECT COUNT(*) FROM ir_translation WHERE lang = 'pt'")[0]
        self.assertGreater(count, 1000)
        language, = self.query('SELECT language FROM ir_configuration')[0]
        self.assertEqual(language, 'pt')

    def test_role_users(self):
        "One active user per role, in its group, speaking Portuguese"
        for login, group in ROLE_GROUPS.items():
            with self.subTest(login=login):
                rows = self.query(
                    'SELECT u.active, l.code FROM res_user u '
                    'JOIN ir_lang l ON l.id = u.language '
                    'WHERE u.login = %s', login)
                self.assertEqual(rows, [(True, 'pt')])
                member, = self.query(
                    'SELECT COUNT(*) FROM res_user u '
                    'JOIN "res_user-res_group" ug ON ug."user" = u.id '
                    'JOIN ir_model_data d ON d.db_id = ug."group" '
                    "AND d.model = 'res.group' "
                    "AND d.module = 'see_atendimento' "
                    'WHERE u.login = %s AND d.fs_id = %s', login, group)[0]
                self.assertEqual(member, 1)
                self.assertIn(f' {login} ', self.second)

    def test_unit_user_has_units(self):
        "The second level user answers for the demo units"
        count, = self.query(
            'SELECT COUNT(*) FROM "see_unit-res_user" uu '
            'JOIN res_user u ON u.id = uu."user" '
            "WHERE u.login = 'unidade'")[0]
        self.assertGreater(count, 0)

    def test_protocols_in_every_state(self):
        "A few dozen protocols, in every state, by several agents"
        states = dict(self.query(
                'SELECT state, COUNT(*) FROM see_protocol GROUP BY state'))
        self.assertEqual(set(states), {'draft', 'attending', 'resolved',
                'escalated', 'answered', 'closed', 'cancelled'})
        self.assertGreaterEqual(sum(states.values()), 24)
        agents, = self.query(
            'SELECT COUNT(DISTINCT agent) FROM see_protocol')[0]
        self.assertGreaterEqual(agents, 2)
        numbers, = self.query(
            'SELECT COUNT(DISTINCT number) FROM see_protocol')[0]
        self.assertEqual(numbers, sum(states.values()))

    def test_protocols_spread_over_weeks(self):
        "Attendances span the last weeks, numbered in time order"
        first, last = self.query(
            'SELECT MIN(start_date), MAX(start_date) FROM see_protocol')[0]
        self.assertLess(first.date(), last.date())
        numbers = [n for n, in self.query(
                'SELECT number FROM see_protocol ORDER BY start_date, id')]
        self.assertEqual(numbers, sorted(numbers))

    def test_escalations_in_every_state(self):
        "Escalations in every state, answered ones with their answer"
        states = dict(self.query(
                'SELECT state, COUNT(*) FROM see_protocol_escalation '
                'GROUP BY state'))
        self.assertEqual(set(states),
            {'new', 'analysis', 'forwarded', 'answered', 'returned'})
        unanswered, = self.query(
            'SELECT COUNT(*) FROM see_protocol_escalation '
            "WHERE state IN ('answered', 'returned') AND answer IS NULL")[0]
        self.assertEqual(unanswered, 0)

    def test_surveys_and_ratings(self):
        "Closed protocols have survey scores; published articles ratings"
        scores = [s for s, in self.query(
                "SELECT survey_score FROM see_protocol WHERE state = 'closed'")]
        self.assertTrue(scores)
        self.assertTrue(all(s is not None and 0 <= s <= 10 for s in scores))
        published, = self.query(
            "SELECT COUNT(*) FROM see_kb_article WHERE state = 'published'")[0]
        self.assertGreaterEqual(published, 5)
        grades = [g for g, in self.query('SELECT grade FROM see_kb_rating')]
        self.assertTrue(grades)
        self.assertTrue(all(1 <= g <= 5 for g in grades))

    def test_month_measured(self):
        """The contract manager finds the contract active and each month of
        attendances measured, with its figures printed"""
        (state,), = self.query(
            "SELECT state FROM see_contract WHERE number = 'DEMO-001'")
        self.assertEqual(state, 'active')
        months = {m.strftime('%Y-%m') for m, in self.query(
                'SELECT start_date FROM see_protocol')}
        rows = self.query('SELECT id, month, state, total_points, '
            'gross_amount, glosa_amount, net_amount FROM see_sla_measurement')
        self.assertEqual({r[1].strftime('%Y-%m') for r in rows}, months)
        for id_, month, state, points, gross, glosa, net in rows:
            with self.subTest(month=month):
                self.assertEqual(state, 'computed')
                self.assertAlmostEqual(float(gross) - float(glosa),
                    float(net), places=2)
                status = dict(self.query('SELECT code, status FROM '
                        'see_sla_measurement_line WHERE measurement = %s '
                        "AND code != 'IFQA'", id_))
                # The phone indicators are counted from the demo calls
                self.assertEqual({c: status.get(c) for c in [
                            'IAR', 'INS', 'IAC', 'FCR', 'PLAT', 'IRAE']},
                    dict.fromkeys(['IAR', 'INS', 'IAC', 'FCR', 'PLAT',
                            'IRAE'], 'measured'))
                self.assertIn(f"Medição de {month:%m/%Y} "
                    f"(contrato DEMO-001): {points} pontos", self.second)

    def test_calls_of_phone_attendances(self):
        "Each phone attendance has its call; abandoned calls have none"
        rows = self.query('SELECT p.id, COUNT(c.id) FROM see_protocol p '
            'LEFT JOIN see_call c ON c.protocol = p.id '
            "WHERE p.channel = 'telefone' "
            "AND p.state NOT IN ('draft', 'attending') GROUP BY p.id")
        self.assertTrue(rows)
        self.assertEqual({n for _, n in rows}, {1})
        dispositions = dict(self.query('SELECT disposition, COUNT(*) '
                'FROM see_call WHERE protocol IS NULL GROUP BY disposition'))
        self.assertIn('answered', dispositions)
        self.assertTrue(set(dispositions) - {'answered'})

    def test_conversations_of_webchat_attendances(self):
        """Each concluded webchat attendance went through the chat: its
        conversation is dated within the attendance, and the month's
        webchat billing and IRAE count it"""
        protocols = self.query('SELECT p.id, p.start_date, p.end_date, '
            'p.survey_date, s.start_date, s.interaction_count, '
            "(SELECT MIN(date) FROM see_chat_message m "
            "WHERE m.session = s.id AND m.kind != 'score'), "
            "(SELECT MAX(date) FROM see_chat_message m "
            "WHERE m.session = s.id AND m.kind != 'score') "
            'FROM see_protocol p '
            'JOIN see_classification c ON c.id = p.classification '
            'LEFT JOIN see_chat_session s ON s.protocol = p.id '
            "WHERE p.channel = 'webchat' AND c.outcome != 'invalid' "
            "AND p.state NOT IN ('draft', 'attending', 'cancelled')")
        self.assertGreaterEqual(len(protocols), 5)
        for (id_, start, end, survey, session_start, interactions,
                first, last) in protocols:
            with self.subTest(protocol=id_):
                self.assertEqual(session_start, start)
                # The minimum of Annex A 5.2 for billing
                self.assertGreaterEqual(interactions, 5)
                self.assertEqual(first, start)
                self.assertEqual(last, end)
        scores = self.query("SELECT m.date, p.survey_date FROM "
            "see_chat_message m JOIN see_chat_session s ON s.id = m.session "
            "JOIN see_protocol p ON p.id = s.protocol WHERE m.kind = 'score'")
        self.assertTrue(scores)
        for message_date, survey_date in scores:
            self.assertEqual(message_date, survey_date)
        (finished, billable), = self.query(
            "SELECT SUM(l.numerator), SUM(i.billable) FROM "
            "see_sla_measurement_line l JOIN see_sla_measurement_item i "
            "ON i.measurement = l.measurement AND i.channel = 'webchat' "
            "WHERE l.code = 'IRAE'")
        self.assertGreater(finished, 0)
        self.assertGreater(billable, 0)

    def test_passwords_printed_work(self):
        "The password printed for each login opens a session"
        table = {}
        for line in self.second.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[-2] in ROLE_GROUPS:
                table[parts[-2]] = parts[-1]
        self.assertEqual(set(table), set(ROLE_GROUPS))
        output = self.run_in_database(
            "User = pool.get('res.user')\n"
            'for pair in arguments:\n'
            "    login, password = pair.split('=', 1)\n"
            "    print(login, bool(User.get_login(login, "
            "{'password': password})))\n",
            *(f'{l}={p}' for l, p in table.items()))
        self.assertEqual(sorted(output.split('\n')[:-1]),
            sorted(f'{login} True' for login in table))

    def test_pbx_live(self):
        """While served, the simulated PBX's calls reach the database through
        the real connector: the supervisor's panel has calls moving"""
        self.assertIn("PABX simulado em 127.0.0.1:", self.second)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            (new,), = self.query(
                'SELECT COUNT(*) FROM see_call WHERE create_date >= %s',
                self.serve_start)
            (status,), = self.query('SELECT status FROM see_ami_server')
            if new and status == 'ready':
                break
            time.sleep(1)
        self.assertEqual(status, 'ready')
        self.assertGreater(new, 0)

    @staticmethod
    def printed_pages(output):
        "The page URLs a run printed, by label"
        pages = {}
        for line in output.splitlines():
            label, _, url = line.strip().rpartition(': ')
            if label and url.startswith('http://'):
                pages[label] = url
        return pages

    def test_pages_printed_open(self):
        """Every page the served demo prints opens, and each device page's
        token reaches its data; the tokens printed by the run before no
        longer do"""
        pages = self.printed_pages(self.second)
        devices = {kind: url for url in pages.values()
            for kind in ['kiosk', 'panel', 'tablet']
            if f'/see_presencial/{kind}#token=' in url}
        self.assertEqual(set(devices), {'kiosk', 'panel', 'tablet'})
        for path in ['see_atendimento/board', 'see_telefonia/panel',
                'see_webchat/console', 'see_presencial/console']:
            self.assertIn(f'{self.url}/{DATABASE}/{path}', pages.values())
        for url in pages.values():
            with urllib.request.urlopen(url.split('#')[0], timeout=30) as page:
                self.assertEqual(page.status, 200, url)
                self.assertIn('text/html', page.headers['Content-Type'])
        data = {'kiosk': 'kiosk/options', 'panel': 'panel/calls',
            'tablet': 'tablet/state'}

        def get(kind, url):
            token = url.split('#token=', 1)[1]
            request = urllib.request.Request(
                f'{self.url}/{DATABASE}/see_presencial/{data[kind]}',
                headers={'X-Device-Token': token})
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    return answer.status, json.load(answer)
            except urllib.error.HTTPError as error:
                return error.code, json.load(error)
        for kind, url in devices.items():
            status, answer = get(kind, url)
            self.assertEqual(status, 200, (kind, answer))
        status, answer = get('kiosk', self.printed_pages(self.first)[
                "Totem de senhas — Totem da entrada"])
        self.assertEqual(status, 403)
        self.assertIn('token', answer['error']['message'])


if __name__ == '__main__':
    unittest.main()
