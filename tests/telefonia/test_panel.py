# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The supervisor's live panel in a real headless Chromium.

The calls come from the AMI simulator through the real see-ami-connector
process into PostgreSQL; the page, opened from the web client's menu with
its session, must show them by itself, without being reloaded."""
import json
import time
import unittest
import urllib.error
import urllib.request

from tests.ami.process import ConnectorProcess
from trytond.modules.see_telefonia.connector.simulator import (
    AMISimulator, CallScript)
from tests.browser.chrome import TIMEOUT, BrowserTestCase, sao_login
from tests.server import TrytonServer

MODULES = ['see_atendimento', 'see_sla', 'see_telefonia']
HEALTH_TOKEN = 'sonda-do-pabx-1234'
server = TrytonServer(modules=MODULES, config={
        # The cron is another test's (tests/test_monitoring.py)
        'see_atendimento': {'health_token': HEALTH_TOKEN,
            'health_cron_grace': str(10 ** 8)},
        # The connector reports every 5 s
        'see_telefonia': {'heartbeat_timeout': '12'},
        })
pbx = AMISimulator(version=20)
connector = ConnectorProcess(server, '--batch-wait', '0.05',
    prefix='see-panel-spool-')


def setUpModule():
    if not server.web_root:
        raise unittest.SkipTest(
            "the web client is not installed: run `make sao`")
    pbx.start()
    server.start()
    root = server.proteus('root')
    ami = root.get('see.ami.server')(name='PABX', host='127.0.0.1',
        port=pbx.port, user=pbx.user, secret=pbx.secret)
    ami.save()
    root.get('see.telephony.queue')(server=ami, name='matricula',
        description="Matrícula").save()
    Agent = root.get('see.telephony.agent')
    for extension, role in [('1001', 'agent'), ('1002', 'agent2')]:
        Agent(server=ami, interface='PJSIP/%s' % extension,
            extension=extension, user=server.users[role].id).save()
    connector.start()
    if not pbx.wait_ready(timeout=60):
        raise RuntimeError("connector did not log in")
    # Both agents log in to the queue
    for agent in ['1001', '1002']:
        pbx.send_events([CallScript(agent=agent).member_status(0)])


def tearDownModule():
    connector.stop()
    pbx.stop()
    server.stop()


def _selenium():
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    return ActionChains, By, EC, WebDriverWait


class PanelTestCase(BrowserTestCase):
    "Annex D 2.10: queues and agents, updated by themselves"

    def wait(self, timeout=TIMEOUT):
        _, _, _, WebDriverWait = _selenium()
        return WebDriverWait(self.driver, timeout)

    def text(self, css):
        # Read in one script: the panel redraws every few seconds, so an
        # element found in one call may be gone by the next.
        return self.driver.execute_script(
            "const element = document.querySelector(arguments[0]);"
            "return element ? element.innerText : null;", css)

    def wait_text(self, css, expected, timeout=15):
        "Wait until the element of css shows expected (or a match of it)"
        def check(driver):
            text = self.text(css)
            if callable(expected):
                return expected(text)
            return text == expected
        self.wait(timeout).until(check,
            f"{css} never showed {expected!r} (last: {self.text(css)!r})")

    def open_menu(self, *path):
        ActionChains, By, EC, _ = _selenium()

        def row(label):
            return self.wait().until(EC.visibility_of_element_located((
                        By.XPATH, "//div[@id='menu']//div[contains(@class, "
                        f"'column-char') and normalize-space()='{label}']"
                        "/ancestor::tr[1]")),
                f"menu {label} is not visible")
        for label in path[:-1]:
            row(label).find_element(By.CSS_SELECTOR, '.expander').click()
        leaf = row(path[-1]).find_element(By.CSS_SELECTOR, '.column-char')
        ActionChains(self.driver).double_click(leaf).perform()

    def setUp(self):
        super().setUp()
        # Each test starts without any Tryton session in the browser
        self.driver.get(server.url)
        self.driver.execute_script('window.localStorage.clear();')
        self.driver.delete_all_cookies()

    def test_panel_from_menu_updates_itself(self):
        "The menu opens the panel; calls show up without reloading it"
        sao_login(self.driver, server, 'supervisor')
        before = set(self.driver.window_handles)
        self.open_menu("Atendimento", "Telefonia", "Painel ao vivo")
        new = self.wait().until(
            lambda d: set(d.window_handles) - before, "no panel window")
        self.driver.switch_to.window(sorted(new)[0])
        queue = 'tr[data-queue="Matrícula"]'
        try:
            self.wait().until(lambda d: d.current_url.endswith(
                    f'/{server.database}/see_telefonia/panel'))
            self.wait_text(f'{queue} .waiting', '0')
            self.assertEqual(
                self.text('.user'), server.users['supervisor'].name)
            self.wait_text('strong[data-status="free"]', '2')
            # A mark that a reload would erase
            self.driver.execute_script('window.seeMark = 42;')

            # A caller waits in the queue since 45 s ago
            script = CallScript(caller='81991230001', agent='1001',
                start=time.time() - 60)
            pbx.send_events(script.arrive() + script.join(15))
            self.wait_text(f'{queue} .waiting', '1')
            longest = self.text(f'{queue} .longest-wait')
            minutes, seconds = longest.split(':')
            self.assertGreaterEqual(int(minutes) * 60 + int(seconds), 45)

            # Agent 1001 answers now
            answer = time.time() - script.start
            pbx.send_events(script.agent_events(answer - 1, answer - 16))
            self.wait_text(f'{queue} .waiting', '0')
            self.wait_text('strong[data-status="in_call"]', '1')
            self.wait_text('strong[data-status="free"]', '1')
            self.wait_text('tr[data-interface="PJSIP/1001"] .status',
                "Em atendimento")

            # The call ends: answered within the target, agent in wrap-up
            end = answer + 12
            pbx.send_events(script.complete(end, 12, answer - 15)
                + script.agent_hangup(end) + [script.member_status(end)]
                + script.hangup(end))
            self.wait_text(f'{queue} .answered', '1')
            self.wait_text(f'{queue} .service-level', '100%')
            self.wait_text('strong[data-status="in_call"]', '0')
            self.assertEqual(
                self.driver.execute_script('return window.seeMark;'), 42)
            self.assertNotIn('stale', self.driver.find_element(
                    'id', 'updated').get_attribute('class'))
        finally:
            for handle in set(self.driver.window_handles) - before:
                self.driver.switch_to.window(handle)
                self.driver.close()
            self.driver.switch_to.window(sorted(before)[0])

    def test_login_form_and_access(self):
        "Without a session the panel asks for the login; agents are denied"
        self.driver.get(f'{server.url}{server.database}/see_telefonia/panel')
        _, By, EC, _ = _selenium()
        user = self.wait().until(EC.visibility_of_element_located(
                (By.ID, 'login-user')))
        agent = server.users['agent']
        user.send_keys(agent.login)
        self.driver.find_element(By.ID, 'login-password').send_keys(
            agent.password)
        self.driver.find_element(By.ID, 'login-submit').click()
        self.wait().until(EC.visibility_of_element_located(
                (By.ID, 'message')))
        self.assertFalse(self.driver.find_element(
                By.ID, 'panel').is_displayed())
        self.assertTrue(self.text('#message'))


class ProbeTestCase(unittest.TestCase):
    """The health endpoint follows the AMI connector (after the panel's
    tests: it stops the connector)"""

    def health(self):
        request = urllib.request.Request(
            f'{server.url}{server.database}/see/health',
            headers={'Authorization': f'Bearer {HEALTH_TOKEN}'})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        checks = {c['name']: c for c in json.loads(body)['checks']}
        return status, checks['ami']

    def wait_health(self, status, timeout=40):
        "The (status, ami check) once the endpoint answers status"
        deadline = time.monotonic() + timeout
        while True:
            answer = self.health()
            if answer[0] == status or time.monotonic() > deadline:
                return answer
            time.sleep(0.5)

    def test_connector_stops_and_comes_back(self):
        "Connector stopped: 503 naming it; started again: 200"
        status, ami = self.wait_health(200)
        self.assertEqual(status, 200, ami)
        pabx, = ami['servers']
        self.assertEqual((pabx['server'], pabx['status'], pabx['spool_bytes']),
            ('PABX', 'ready', 0))
        self.assertLessEqual(pabx['seen_seconds_ago'], 12)

        connector.stop()
        try:
            status, ami = self.wait_health(503)
            self.assertEqual(status, 503)
            self.assertFalse(ami['ok'])
            self.assertIn('PABX', ami['message'])
            # Stopped, it says so on its way out; killed, it goes silent
            self.assertRegex(ami['message'],
                'não está conectado|see-ami-connector')
        finally:
            connector.start()
            self.assertTrue(pbx.wait_ready(timeout=60))
        status, ami = self.wait_health(200)
        self.assertEqual(status, 200, ami)
