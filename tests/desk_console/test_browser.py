# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The desk console in a real headless Chromium: a desk agent's day.

The agent opens the console from the web client's menu (its session) or
logs in on the page's own form, picks a desk and works through the
buttons; what the server refuses shows as its message.  The tickets are
issued through the RPC API, as the reception would, and the console shows
them by itself."""
import os
import unittest

from tests.browser.chrome import TIMEOUT, BrowserTestCase, sao_login
from tests.desk_console.fixture import Site, new_server, password

AXE = os.path.join(os.path.dirname(__file__), '..', '..', 'node_modules',
    'axe-core', 'axe.min.js')
server = new_server()
site = Site(server)


def setUpModule():
    if not server.web_root:
        raise unittest.SkipTest(
            "the web client is not installed: run `make sao`")
    server.start()
    site.create()


def tearDownModule():
    server.stop()


def _selenium():
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
    return ActionChains, By, EC, Select, WebDriverWait


class DeskConsoleTestCase(BrowserTestCase):
    "The desk agent's console, one browser for the class"

    def wait(self, timeout=TIMEOUT):
        WebDriverWait = _selenium()[4]
        return WebDriverWait(self.driver, timeout)

    def text(self, css):
        # Read in one script: the console redraws every few seconds
        return self.driver.execute_script(
            "const element = document.querySelector(arguments[0]);"
            "return element && !element.closest('[hidden]') ? "
            "element.innerText.trim() : null;", css)

    def wait_text(self, css, expected, timeout=15):
        def check(driver):
            text = self.text(css)
            if callable(expected):
                return expected(text)
            return text == expected
        self.wait(timeout).until(check,
            f"{css} never showed {expected!r} (last: {self.text(css)!r})")

    def queue(self):
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll("
            "'#queue tbody tr')).map(r => r.dataset.ticket);")

    def wait_queue(self, expected):
        self.wait().until(lambda d: self.queue() == expected,
            f"queue never was {expected} (last: {self.queue()})")

    def click(self, element_id):
        _, By, EC, _, _ = _selenium()
        self.wait().until(EC.element_to_be_clickable((By.ID, element_id)),
            f"#{element_id} is not clickable").click()

    def message(self, *words):
        "Wait for the error message with words"
        self.wait_text('#message', lambda t: bool(t) and all(
                w in t for w in words))

    def assertAccessible(self):
        "No violation of impact serious or critical, by axe-core"
        with open(AXE) as file:
            self.driver.execute_script(file.read())
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document).then(r => done(r.violations.map("
            "v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])),"
            " e => done([['error', 'critical', [String(e)]]]));")
        serious = [v for v in result if v[1] in {'serious', 'critical'}]
        self.assertEqual(serious, [])

    def logout(self):
        "Forget the sessions: the cookie's path is the database's"
        self.driver.get(f'{server.url}{server.database}/see_presencial/'
            'console/static/console.css')
        self.driver.execute_script('window.localStorage.clear();')
        self.driver.delete_all_cookies()

    def console_login(self, login, desk=None):
        "Log in on the console's own form and pick desk"
        _, By, EC, Select, _ = _selenium()
        self.logout()
        self.driver.get(
            f'{server.url}{server.database}/see_presencial/console')
        user = self.wait().until(EC.visibility_of_element_located(
                (By.ID, 'login-user')))
        user.send_keys(login)
        self.driver.find_element(By.ID, 'login-password').send_keys(
            password(login))
        self.driver.find_element(By.ID, 'login-submit').click()
        select = self.wait().until(EC.visibility_of_element_located(
                (By.ID, 'desk-select')))
        if desk:
            Select(select).select_by_value(str(site.ids[desk]))
            self.wait_text('#desk-site', "Unidade Recife Centro")

    def test_1_call_by_rule_recall_and_no_show(self):
        "Call next by the rule, call again; no-show only after 2 calls"
        _, By, EC, _, _ = _selenium()
        site.clear()
        _, n1 = site.issue('enrolment')
        _, p60 = site.issue('enrolment', 'IDOSO60')
        _, p80 = site.issue('enrolment', 'IDOSO80')
        _, pas = site.issue('free_pass')
        self.console_login('ana', 'desk1')
        self.assertEqual(self.text('#user'), "Ana Guichê")
        # 2 priority : 1 normal, 80+ before 60+
        self.wait_queue([p80, p60, n1, pas])
        self.assertEqual(self.text('#current'),
            "Nenhuma senha no guichê. Chame a próxima da fila.")
        self.assertEqual(self.driver.find_element(
                By.ID, 'current').get_attribute('aria-live'), 'polite')
        self.assertAccessible()

        # The keyboard: the button takes the focus and Enter presses it
        self.driver.find_element(By.ID, 'call-next').send_keys('\n')
        self.wait_text('#current-number', p80)
        self.wait_text('#current-calls', lambda t: t and t.startswith('1 '))
        self.assertIn("80", self.text('#current-priority'))
        self.wait_queue([p60, n1, pas])
        self.wait_text('#notice', "Senha chamada. " + p80)

        # No-show before the 2nd call: the server's refusal
        self.assertEqual(self.driver.find_element(
                By.ID, 'no-show').get_attribute('aria-disabled'), 'true')
        self.click('no-show')
        self.message(p80, "2")
        self.assertEqual(site.ticket(self.ticket_id(p80))[1], 'called')

        self.click('recall')
        self.wait_text('#current-calls', lambda t: t and t.startswith('2 '))
        self.wait().until(lambda d: d.find_element(By.ID, 'no-show')
            .get_attribute('aria-disabled') == 'false')
        self.click('no-show')
        self.wait_text('#notice', "Senha marcada como não compareceu.")
        self.wait_text('#no-current', lambda t: bool(t))
        number, state, _, calls, _, _, _ = site.ticket(self.ticket_id(p80))
        self.assertEqual((state, calls), ('no_show', 2))

    def ticket_id(self, number):
        return server.query("SELECT id FROM see_ticket WHERE number = %s "
            "AND site = %s", (number, site.ids['site']))[0][0]

    def test_2_suspend_resume_transfer_cancel(self):
        "Suspend and resume, call a ticket of the list, transfer, cancel"
        _, By, EC, Select, _ = _selenium()
        site.clear()
        _, first = site.issue('enrolment', 'GESTANTE')
        _, second = site.issue('enrolment')
        _, third = site.issue('enrolment')
        self.console_login('ana', 'desk1')
        self.wait_queue([first, second, third])

        # Call a specific ticket of the list, out of the rule's order
        self.driver.find_element(By.CSS_SELECTOR,
            f'#queue tr[data-ticket="{second}"] button').click()
        self.wait_text('#current-number', second)
        self.wait_queue([first, third])
        # Other tickets cannot be called while the desk has one
        self.assertFalse(self.driver.find_element(By.CSS_SELECTOR,
                f'#queue tr[data-ticket="{first}"] button').is_enabled())

        self.click('start')
        self.wait_text('#current-state', "Em atendimento")
        self.click('suspend')
        self.wait_text('#suspended tbody', lambda t: t and second in t)
        self.wait_text('#no-current', lambda t: bool(t))
        self.driver.find_element(By.CSS_SELECTOR,
            f'#suspended tr[data-ticket="{second}"] '
            'button[data-action="resume"]').click()
        self.wait_text('#notice', "Senha retomada: aguarda este guichê.")
        # Back in the queue with its place, reserved for this desk
        self.wait_queue([first, second, third])
        self.wait_text(f'#queue tr[data-ticket="{second}"] .priority',
            "Normal — reservada")
        self.assertEqual(site.ticket(self.ticket_id(second))[6],
            site.ids['desk1'])

        # Transfer it to the free pass at desk 2
        self.driver.find_element(By.CSS_SELECTOR,
            f'#queue tr[data-ticket="{second}"] button').click()
        self.wait_text('#current-number', second)
        self.click('transfer-open')
        self.wait().until(lambda d: d.switch_to.active_element.get_attribute(
                'id') == 'transfer-service')
        Select(self.driver.find_element(By.ID, 'transfer-service')
            ).select_by_value(str(site.ids['free_pass']))
        Select(self.driver.find_element(By.ID, 'transfer-desk')
            ).select_by_value(str(site.ids['desk2']))
        self.click('transfer-submit')
        self.wait_text('#notice', "Senha transferida.")
        self.wait_queue([first, third])
        _, state, desk, _, _, _, target = site.ticket(self.ticket_id(second))
        self.assertEqual((state, desk, target),
            ('waiting', None, site.ids['desk2']))

        # Cancel the next one with a reason; without one the form refuses
        self.click('call-next')
        self.wait_text('#current-number', first)
        self.click('cancel-open')
        self.click('cancel-submit')
        # The browser's own check of the required reason: nothing sent
        self.assertEqual(site.ticket(self.ticket_id(first))[1], 'called')
        self.driver.find_element(By.ID, 'cancel-reason').send_keys(
            "Cidadã desistiu do atendimento")
        self.click('cancel-submit')
        self.wait_text('#notice', "Senha cancelada.")
        self.wait_queue([third])
        _, state, _, _, reason, _, _ = site.ticket(self.ticket_id(first))
        self.assertEqual((state, reason),
            ('cancelled', "Cidadã desistiu do atendimento"))

        # The agent on desk 2 sees the transferred ticket there
        self.console_login('bruno')
        self.wait_text('#desk-site', "Unidade Recife Centro")
        self.wait_queue([second])

    def test_3_start_and_finish_with_protocol(self):
        """Start opens a draft protocol; the agent fills the requester,
        resolves it, and then finishes; the form links the protocol"""
        _, By, EC, Select, _ = _selenium()
        site.clear()
        ticket, number = site.issue('free_pass')
        self.console_login('ana', 'desk2')
        self.wait_queue([number])
        self.click('call-next')
        self.wait_text('#current-number', number)
        self.click('start')
        self.wait_text('#protocol-state', "Rascunho")
        protocol = site.ticket(ticket)[5]
        link = self.driver.find_element(By.ID, 'protocol-link')
        self.assertTrue(link.get_attribute('href').endswith(
                f'/#{server.database}/model/see.protocol/{protocol}'))

        # Finish is refused while the protocol is open
        self.click('finish')
        self.message(number)
        self.assertEqual(site.ticket(ticket)[1], 'attending')

        self.assertAccessible()
        self.driver.find_element(By.ID, 'identify-name').send_keys(
            "Maria da Silva")
        self.driver.find_element(By.ID, 'identify-cpf').send_keys(
            '529.982.247-25')
        self.click('identify-submit')
        self.wait_text('#protocol-state', "Em atendimento")
        Select(self.driver.find_element(By.ID, 'resolve-classification')
            ).select_by_value(str(site.ids['classification']))
        self.driver.find_element(By.ID, 'resolve-answer').send_keys(
            "Carteira emitida no balcão.")
        self.click('resolve-submit')
        self.wait_text('#protocol-state', "Resolvido")
        self.click('finish')
        self.wait_text('#notice', "Atendimento encerrado.")
        self.wait_text('#no-current', lambda t: bool(t))
        self.assertEqual(site.ticket(ticket)[1], 'finished')
        self.assertEqual(server.query(
                "SELECT state, requester_name, requester_cpf, channel "
                "FROM see_protocol WHERE id = %s", (protocol,))[0],
            ('resolved', "Maria da Silva", '52998224725', 'presencial'))

    def test_4_from_the_menu_and_other_roles(self):
        """The menu of the web client opens the console with its session;
        the reception has no desk; an agent of another desk is refused"""
        ActionChains, By, EC, Select, _ = _selenium()
        site.clear()
        self.logout()
        self.sao_login_as('ana')
        before = set(self.driver.window_handles)

        def row(label):
            return self.wait().until(EC.visibility_of_element_located((
                        By.XPATH, "//div[@id='menu']//div[contains(@class, "
                        f"'column-char') and normalize-space()='{label}']"
                        "/ancestor::tr[1]")), f"menu {label} is not visible")
        for label in ["Atendimento", "Atendimento presencial"]:
            expander = row(label).find_element(By.CSS_SELECTOR, '.expander')
            expander.click()
        leaf = row("Console do guichê").find_element(
            By.CSS_SELECTOR, '.column-char')
        ActionChains(self.driver).double_click(leaf).perform()
        new = self.wait().until(
            lambda d: set(d.window_handles) - before, "no console window")
        self.driver.switch_to.window(sorted(new)[0])
        try:
            self.wait().until(lambda d: d.current_url.endswith(
                    f'/{server.database}/see_presencial/console'))
            self.wait_text('#user', "Ana Guichê")
            options = [o.text for o in Select(self.driver.find_element(
                        By.ID, 'desk-select')).options]
            self.assertEqual(options[1:], [
                    "Guichê 1 — Unidade Recife Centro",
                    "Guichê 2 — Unidade Recife Centro"])
        finally:
            for handle in set(self.driver.window_handles) - before:
                self.driver.switch_to.window(handle)
                self.driver.close()
            self.driver.switch_to.window(sorted(before)[0])

        # The reception: no desk to pick
        self.console_login('rita')
        self.wait_text('#no-desk', lambda t: t and "plantão" in t)

        # Bruno forced onto desk 1 (a stale choice of this browser)
        self.console_login('bruno')
        self.wait_text('#desk-site', "Unidade Recife Centro")
        self.driver.execute_script(
            "const select = document.getElementById('desk-select');"
            "const option = document.createElement('option');"
            "option.value = arguments[0]; option.textContent = 'x';"
            "select.appendChild(option); select.value = arguments[0];"
            "select.dispatchEvent(new Event('change'));",
            str(site.ids['desk1']))
        self.message("Guichê 1", "Unidade Recife Centro")
        self.assertIsNone(self.text('#workspace'))

    def sao_login_as(self, login):
        "Log in to the web client as a user of the site's staff"
        from tests.server import User
        server.users[login] = User(login, password(login),
            site.users[login], login)
        try:
            sao_login(self.driver, server, login)
        finally:
            del server.users[login]

    def test_5_unit_dashboard_updates_by_itself(self):
        """The site supervisor opens the unit dashboard: the dashboard's
        figures of their site only; a ticket issued over RPC changes the
        waiting figure without a reload"""
        _, By, EC, _, _ = _selenium()
        site.clear()
        site.issue('enrolment')
        site.issue('enrolment', site=site.ids['other_site'])
        self.logout()
        self.driver.get(f'{server.url}{server.database}/see_presencial/unit')
        user = self.wait().until(EC.visibility_of_element_located(
                (By.ID, 'login-user')))
        user.send_keys('sara')
        self.driver.find_element(By.ID, 'login-password').send_keys(
            password('sara'))
        self.driver.find_element(By.ID, 'login-submit').click()
        self.wait_text('#user', "Sara Supervisora")

        # The row of enrolment at Recife, as the model gives it to Sara
        conn = site.proteus('sara')
        Dashboard = conn.get('see.site.dashboard')
        row, = Dashboard._proxy.search_read(
            [('service', '=', site.ids['enrolment'])], 0, None, None,
            ['waiting', 'total'], conn.config.context)
        waiting = (f'tr[data-id="{row["id"]}"] '
            'td[data-field="waiting"]')
        self.wait_text(waiting, str(row['waiting']))
        self.assertEqual(self.text(f'tr[data-id="{row["id"]}"] '
                'td[data-field="total"]'), str(row['total']))
        self.assertEqual(self.driver.execute_script(
                "return Array.from(document.querySelectorAll("
                "'#sites .site-name')).map(h => h.textContent);"),
            ["Unidade Recife Centro"])
        link = self.driver.find_element(By.CSS_SELECTOR, f'{waiting} a')
        self.assertTrue(link.get_attribute('href').endswith(
                f'/#{server.database}/model/see.site.dashboard'))
        self.assertEqual(self.driver.find_element(
                By.ID, 'summary').get_attribute('aria-live'), 'polite')
        self.assertIn("Guichê 1", self.text('#sites table.desks'))
        self.assertAccessible()

        # A mark the page would lose if it were reloaded
        self.driver.execute_script("window.seeNotReloaded = true;")
        site.issue('enrolment')
        self.wait_text(waiting, str(row['waiting'] + 1))
        self.wait_text('#summary', lambda t: t and (
                f"{row['waiting'] + 1} aguardando") in t)
        self.assertTrue(self.driver.execute_script(
                "return window.seeNotReloaded === true;"))
