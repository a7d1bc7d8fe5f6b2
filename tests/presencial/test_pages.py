# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The device pages of an in-person site: kiosk, TV calling panel and
evaluation tablet, on a real server.

- `DeviceApiTestCase` (no browser): the device token (wrong, of another
  kind, reissued, revoked) and the panel's long poll woken by a call made
  over RPC (the contract of pages.py).
- `DevicePagesBrowserTestCase` (one headless Chromium): a kiosk issues
  tickets with and without priority and refuses a bad CPF; a call made over
  RPC appears on the panel with its announcement; the tablet's score lands
  on the protocol's survey. Each page passes axe-core with no serious or
  critical violation.
"""
import json
import threading
import unittest
import urllib.error
import urllib.request

from tests.browser.chrome import TIMEOUT, CitizenPageTestCase, available
from tests.server import TrytonServer

server = TrytonServer()
BAD_CPF = '123.456.789-00'
GOOD_CPF = '529.982.247-25'


def setUpModule():
    server.start()
    _fixture()


def tearDownModule():
    server.stop()


FIXTURE = {}


def _fixture():
    """A site with the service MAT, desk "Guichê 2" where the agent is on
    duty, and one device of each kind with its token"""
    root = server.proteus('root')
    User = root.get('res.user')
    Group = root.get('res.group')
    agent = User(server.users['agent'].id)
    (group,), = server.query("SELECT db_id FROM ir_model_data "
        "WHERE module = 'see_presencial' AND fs_id = 'group_desk_agent'")
    agent.groups.append(Group(group))
    agent.save()

    admin = server.proteus('admin')
    Service = admin.get('see.service')
    Site = admin.get('see.site')
    Desk = admin.get('see.site.desk')
    Priority = admin.get('see.ticket.priority')
    service = Service(server.records['service'])
    site = Site(name="Recife Centro", code='RC')
    line = site.services.new()
    line.service = service
    line.prefix = 'MAT'
    site.save()
    desk = Desk(site=site, name="Guichê 2", number=2)
    desk.services.append(Service(service.id))
    desk.agents.append(admin.get('res.user')(agent.id))
    desk.save()
    FIXTURE.update({
            'site': site.id,
            'desk': desk.id,
            'service': service.id,
            'priority': Priority.find([('code', '=', 'IDOSO60')])[0].id,
            })
    for kind in ['kiosk', 'panel', 'tablet']:
        device_id, token = new_device(kind)
        FIXTURE[kind] = device_id
        FIXTURE[f'{kind}_token'] = token


def new_device(kind, name=None):
    "Register a device of kind at the site and issue its token"
    admin = server.proteus('admin')
    Device = admin.get('see.device')
    device = Device(name=name or f"Dispositivo {kind}", kind=kind)
    device.site = admin.get('see.site')(FIXTURE['site'])
    if kind == 'tablet':
        device.desk = admin.get('see.site.desk')(FIXTURE['desk'])
    device.save()
    return device.id, issue_token(device.id)


def issue_token(device_id):
    from proteus import Wizard
    admin = server.proteus('admin')
    device = admin.get('see.device')(device_id)
    wizard = Wizard('see.device.token', [device])
    token = wizard.form.token
    wizard.execute('end')
    return token


def api(path, token, data=None, timeout=30):
    "(status, JSON) of a request to the pages' API"
    url = f'{server.url}{server.database}/see_presencial/{path}'
    request = urllib.request.Request(url, headers={
            'X-Device-Token': token, 'Content-Type': 'application/json'},
        data=json.dumps(data).encode() if data is not None else None,
        method='POST' if data is not None else 'GET')
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def call_next():
    "The agent calls the next ticket at Guichê 2 over XML-RPC (proteus)"
    agent = server.proteus('agent')
    desk = agent.get('see.site.desk')(FIXTURE['desk'])
    desk.click('call_next')
    Ticket = agent.get('see.ticket')
    ticket, = Ticket.find([
            ('desk', '=', FIXTURE['desk']),
            ('state', '=', 'called')])
    return ticket


def finish(ticket):
    "The agent attends the called ticket, resolves its protocol, finishes"
    agent = server.proteus('agent')
    Ticket = agent.get('see.ticket')
    Protocol = agent.get('see.protocol')
    Classification = agent.get('see.classification')
    ticket = Ticket(ticket.id)
    ticket.click('start')
    protocol = Protocol(ticket.protocol.id)
    if protocol.state == 'draft':
        protocol.requester_name = "Antônia"
        protocol.requester_phone = "(81) 99999-0080"
        protocol.save()
        protocol.click('start')
    protocol.classification = Classification.find([])[0]
    protocol.answer = "Orientada no balcão."
    protocol.save()
    protocol.click('resolve')
    ticket = Ticket(ticket.id)
    ticket.click('finish')
    return ticket


def clear_desk():
    "Finish whatever ticket Guichê 2 still has, so it can call again"
    agent = server.proteus('agent')
    Ticket = agent.get('see.ticket')
    for ticket in Ticket.find([
                ('desk', '=', FIXTURE['desk']),
                ('state', 'in', ['called', 'attending'])]):
        finish(ticket)


def drain_evaluation():
    "Score the attendance the tablet still asks about, if any"
    status, state = api('tablet/state', FIXTURE['tablet_token'])
    if state['pending']:
        status, _ = api('tablet/evaluation', FIXTURE['tablet_token'],
            {'ticket': state['pending']['ticket'], 'score': 10})
        assert status == 200


def issue(cpf=None, priority=None):
    status, data = api('kiosk/tickets', FIXTURE['kiosk_token'], {
            'service': FIXTURE['service'], 'priority': priority,
            'cpf': cpf, 'name': None})
    assert status == 201, data
    return data['ticket']


class DeviceApiTestCase(unittest.TestCase):
    "The device token and the panel's long poll, without a browser"

    def assertRefused(self, status, data):
        self.assertEqual(status, 403)
        self.assertIn("não está autorizado", data['error']['message'])

    def test_wrong_token(self):
        "A missing, wrong or other kind's token gets 403 in Portuguese"
        for token in ['', 'x' * 32, FIXTURE['panel_token']]:
            with self.subTest(token=token[:4]):
                self.assertRefused(*api('kiosk/options', token))
        status, data = api('kiosk/options', FIXTURE['kiosk_token'])
        self.assertEqual(status, 200)
        self.assertEqual(data['site'], "Recife Centro")
        self.assertEqual([s['prefix'] for s in data['services']], ['MAT'])
        self.assertIn(FIXTURE['priority'],
            [p['id'] for p in data['priorities']])

    def test_reissue_and_revoke(self):
        "A reissued token replaces the old one; deactivation revokes"
        device_id, old = new_device('kiosk', "Totem reserva")
        self.assertEqual(api('kiosk/options', old)[0], 200)
        new = issue_token(device_id)
        self.assertRefused(*api('kiosk/options', old))
        self.assertEqual(api('kiosk/options', new)[0], 200)
        # Only a hash and a hint are stored
        (stored, hint), = server.query(
            'SELECT token_hash, token_hint FROM see_device WHERE id = %s',
            (device_id,))
        self.assertNotIn(new, stored)
        self.assertEqual(hint, new[-4:])
        admin = server.proteus('admin')
        device = admin.get('see.device')(device_id)
        device.active = False
        device.save()
        self.assertRefused(*api('kiosk/options', new))

    def test_failures_limited(self):
        "An address sending wrong tokens is stopped (429) for a minute"
        _forget_failures()
        statuses = [api('tablet/state', f'wrong-{i}')[0] for i in range(12)]
        self.assertEqual(statuses[:10], [403] * 10)
        self.assertEqual(statuses[-1], 429)
        # Even with a good token, until the minute passes
        status, data = api('tablet/state', FIXTURE['tablet_token'])
        self.assertEqual(status, 429)
        self.assertIn("Aguarde", data['error']['message'])
        _forget_failures()

    def test_kiosk_refusals(self):
        "A bad CPF, a foreign service, a bad priority: nothing stored"
        before = server.query('SELECT COUNT(*) FROM see_ticket')
        for data, text in [
                ({'service': FIXTURE['service'], 'cpf': BAD_CPF},
                    "CPF"),
                ({'service': 999999}, "Escolha um dos serviços"),
                ({'service': FIXTURE['service'], 'priority': 999999},
                    "prioridade"),
                ({'service': FIXTURE['service'], 'name': 'x' * 101},
                    "100"),
                ]:
            with self.subTest(data=data):
                status, answer = api('kiosk/tickets', FIXTURE['kiosk_token'],
                    data)
                self.assertEqual(status, 400, answer)
                self.assertIn(text, answer['error']['message'])
        self.assertEqual(
            server.query('SELECT COUNT(*) FROM see_ticket'), before)

    def test_rpc_call_wakes_panel(self):
        """A call made over XML-RPC wakes the panel's long poll with the
        number, the desk and the announcement, not the citizen"""
        clear_desk()
        ticket = issue(cpf=GOOD_CPF)
        status, first = api('panel/calls', FIXTURE['panel_token'])
        self.assertEqual(status, 200)
        self.assertEqual(first['site'], "Recife Centro")
        answers = []
        poll = threading.Thread(target=lambda: answers.append(api(
                    f'panel/calls?last={first["last"]}',
                    FIXTURE['panel_token'], timeout=60)))
        poll.start()
        # The poll may return calls kept by the bus: drain until ours
        called = call_next()
        poll.join(60)
        status, data = answers[0]
        last = data['last']
        calls = data['calls']
        while not any(c['number'] == called.number for c in calls):
            status, data = api(f'panel/calls?last={last}',
                FIXTURE['panel_token'], timeout=60)
            calls, last = data['calls'], data['last']
            self.assertTrue(calls, "the call never reached the panel")
        self.assertEqual(called.number, ticket['number'])
        call, = [c for c in calls if c['number'] == called.number]
        self.assertEqual(call['desk'], "Guichê 2")
        self.assertEqual(call['desk_number'], 2)
        self.assertEqual(call['calls'], 1)
        digits = ' '.join(
            {'0': 'zero', '1': 'um', '2': 'dois', '3': 'três',
                '4': 'quatro', '5': 'cinco', '6': 'seis', '7': 'sete',
                '8': 'oito', '9': 'nove'}[d]
            for d in called.number.split('-')[1])
        self.assertEqual(call['announcement'],
            f"Senha MAT {digits}, Guichê 2")
        self.assertNotIn('52998224725', json.dumps(call))
        # The reconnecting panel finds it in the database
        status, again = api('panel/calls', FIXTURE['panel_token'])
        self.assertEqual(again['calls'][-1]['key'], call['key'])

        # A recall over RPC made while no panel waits is kept for the
        # cursor: the next poll answers it at once
        agent = server.proteus('agent')
        agent.get('see.ticket')(called.id).click('recall')
        status, data = api(f'panel/calls?last={last}',
            FIXTURE['panel_token'], timeout=60)
        recall, = data['calls']
        self.assertEqual((recall['number'], recall['calls']),
            (called.number, 2))
        self.assertNotEqual(recall['key'], call['key'])
        self.assertNotEqual(data['last'], last)


def _forget_failures():
    "Forget the counted wrong tokens (the tests share one address)"
    from tests.server import _connect
    with _connect(server.database) as conn:
        conn.execute("DELETE FROM see_device_rate "
            "WHERE key LIKE 'device-failure:%%'")
        conn.commit()


class DevicePagesBrowserTestCase(CitizenPageTestCase):
    "The three pages in one headless Chromium"

    @classmethod
    def setUpClass(cls):
        reason = available()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()

    def url(self, kind):
        return (f'{server.url}{server.database}/see_presencial/{kind}'
            f'#token={FIXTURE[kind + "_token"]}')

    def test_kiosk(self):
        """A ticket without and with priority, printed as a receipt; a bad
        CPF gets its message and nothing is issued"""
        from selenium.webdriver.common.by import By
        clear_desk()
        driver = self.driver
        driver.get(self.url('kiosk'))
        self.visible('#issue-form')
        self.text_in('#site-name', "Recife Centro")
        # The token left the address bar
        self.assertNotIn('token', driver.current_url)
        self.assertAccessible()

        # Without priority
        driver.find_element(By.ID, 'issue').click()
        number = self.visible('#receipt-number').text
        self.assertRegex(number, r'^MAT-\d{3}$')
        self.assertEqual(
            driver.find_element(By.ID, 'receipt-priority').text, "Normal")
        self.assertTrue(driver.find_element(By.ID, 'receipt-ahead').text)
        self.assertAccessible()
        # The receipt is what prints
        self.assertEqual(driver.execute_script(
                'return [...document.styleSheets].some(s => {'
                'try { return [...s.cssRules].some(r => r.media'
                ' && r.media.mediaText === "print"); }'
                'catch (e) { return false; } });'), True)
        driver.find_element(By.ID, 'again').click()

        # A bad CPF: the message, nothing issued
        count = server.query('SELECT COUNT(*) FROM see_ticket')
        self.visible('#cpf').send_keys(BAD_CPF)
        driver.find_element(By.ID, 'issue').click()
        self.text_in('#cpf-error', "não é válido")
        self.assertEqual(
            driver.find_element(By.ID, 'cpf').get_attribute('aria-invalid'),
            'true')
        self.assertEqual(
            server.query('SELECT COUNT(*) FROM see_ticket'), count)
        self.assertAccessible()

        # With priority and a good CPF
        cpf = driver.find_element(By.ID, 'cpf')
        cpf.clear()
        cpf.send_keys(GOOD_CPF)
        driver.find_element(By.CSS_SELECTOR,
            f'label[for="priority-{FIXTURE["priority"]}"]').click()
        driver.find_element(By.ID, 'issue').click()
        self.text_in('#receipt-priority', "Prioritário")
        priority_number = self.visible('#receipt-number').text
        rows = server.query(
            'SELECT t.requester_cpf, p.code, t.issued_device '
            'FROM see_ticket t LEFT JOIN see_ticket_priority p '
            'ON p.id = t.priority WHERE t.number = %s AND t.site = %s '
            'ORDER BY t.id DESC LIMIT 1',
            (priority_number, FIXTURE['site']))
        self.assertEqual(rows, [('52998224725', 'IDOSO60', FIXTURE['kiosk'])])
        rows = server.query(
            'SELECT priority, issued_device FROM see_ticket '
            'WHERE number = %s AND site = %s ORDER BY id DESC LIMIT 1',
            (number, FIXTURE['site']))
        self.assertEqual(rows, [(None, FIXTURE['kiosk'])])

    def test_panel(self):
        "A call made over RPC appears on the panel with its announcement"
        from selenium.webdriver.common.by import By
        clear_desk()
        issue()
        driver = self.driver
        driver.get(self.url('panel'))
        self.visible('#board')
        self.text_in('#site-name', "Recife Centro")
        ticket = call_next()
        self.text_in('#current-number', ticket.number)
        self.text_in('#current-desk', "Guichê 2")
        self.wait(lambda d: d.find_element(By.ID, 'announcement')
            .get_attribute('textContent').startswith("Senha MAT "))
        self.assertTrue(driver.find_element(By.ID, 'announcement')
            .get_attribute('textContent').endswith(", Guichê 2"))
        self.text_in('#history', ticket.number)
        self.assertAccessible()

    def test_tablet(self):
        "The score given on the tablet lands on the protocol's survey"
        from selenium.webdriver.common.by import By
        clear_desk()
        drain_evaluation()
        issue()
        driver = self.driver
        driver.get(self.url('tablet'))
        self.visible('#idle')
        self.text_in('#site-name', "Guichê 2")
        self.assertAccessible()
        ticket = finish(call_next())
        self.visible('#ask')
        self.text_in('#ask-number', ticket.number)
        self.assertAccessible()
        driver.find_element(
            By.CSS_SELECTOR, '#scores button[data-score="9"]').click()
        self.text_in('#thanks', "Obrigado")
        rows = server.query(
            'SELECT p.survey_score, p.survey_date IS NOT NULL, p.channel '
            'FROM see_ticket t JOIN see_protocol p ON p.id = t.protocol '
            'WHERE t.id = %s', (ticket.id,))
        self.assertEqual(rows, [(9, True, 'presencial')])
        # Once per protocol
        status, data = api('tablet/evaluation', FIXTURE['tablet_token'],
            {'ticket': ticket.id, 'score': 3})
        self.assertEqual(status, 403)
        self.assertIn("não aguarda", data['error']['message'])
        self.visible('#idle')


def clear_queue():
    "Cancel the site's waiting tickets, so the next call is predictable"
    agent = server.proteus('agent')
    Ticket = agent.get('see.ticket')
    waiting = Ticket.find([
            ('site', '=', FIXTURE['site']), ('state', '=', 'waiting')])
    if waiting:
        Ticket._proxy.cancel_with_reason([t.id for t in waiting],
            "Fila limpa pelo teste", {})


class SiteDayThreeWindowsTestCase(unittest.TestCase):
    """Three Chromium windows as at the site: the kiosk at the door, the
    desk agent's console and the TV panel. A ticket issued at the kiosk is
    called from the console and shows on the panel; a call made over RPC
    reaches the panel and the console too."""

    @classmethod
    def setUpClass(cls):
        reason = available()
        if reason:
            raise unittest.SkipTest(reason)
        import shutil
        import tempfile

        from tests.browser.chrome import new_driver
        cls.drivers = {}
        for window in ['kiosk', 'console', 'panel']:
            profile = tempfile.mkdtemp(prefix=f'see-{window}-')
            cls.addClassCleanup(shutil.rmtree, profile, ignore_errors=True)
            cls.drivers[window] = new_driver(profile)
            cls.addClassCleanup(cls.drivers[window].quit)

    def wait(self, window, condition, message=''):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.drivers[window], TIMEOUT).until(
            condition, message)

    def element(self, window, element_id):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        return self.wait(window, EC.visibility_of_element_located(
                (By.ID, element_id)), f"#{element_id} on the {window}")

    def text(self, window, element_id):
        return self.drivers[window].execute_script(
            "const e = document.getElementById(arguments[0]);"
            "return e ? e.textContent.trim() : null;", element_id)

    def wait_text(self, window, element_id, expected):
        self.wait(window, lambda d: self.text(window, element_id) == expected,
            f"#{element_id} on the {window} never showed {expected!r} "
            f"(last: {self.text(window, element_id)!r})")

    def test_issue_call_and_panel(self):
        from selenium.webdriver.support.ui import Select
        clear_desk()
        drain_evaluation()
        clear_queue()
        base = f'{server.url}{server.database}/see_presencial'
        token = FIXTURE

        # The TV panel waits for calls
        panel = self.drivers['panel']
        panel.get(f'{base}/panel#token={token["panel_token"]}')
        self.element('panel', 'board')
        # Shown once the panel read the last calls; its long poll, started
        # with the empty cursor, gets every call the server still holds,
        # so a call made before it waits is not lost

        # The desk agent logs in on the console and picks Guichê 2
        console = self.drivers['console']
        console.get(f'{base}/console')
        agent = server.users['agent']
        self.element('console', 'login-user').send_keys(agent.login)
        console.find_element('id', 'login-password').send_keys(
            agent.password)
        console.find_element('id', 'login-submit').click()
        Select(self.element('console', 'desk-select')).select_by_value(
            str(FIXTURE['desk']))
        self.wait('console', lambda d: "Recife Centro" in (
                self.text('console', 'desk-site') or ''), "no desk picked")

        # The citizen takes a ticket at the kiosk
        kiosk = self.drivers['kiosk']
        kiosk.get(f'{base}/kiosk#token={token["kiosk_token"]}')
        self.element('kiosk', 'issue-form')
        kiosk.find_element('id', 'issue').click()
        number = self.element('kiosk', 'receipt-number').text
        self.assertRegex(number, r'^MAT-\d{3}$')

        # It reaches the console's queue; the agent calls the next one
        self.wait('console', lambda d: number in (
                self.text('console', 'queue') or ''),
            f"{number} never reached the queue")
        console.find_element('id', 'call-next').click()
        self.wait_text('console', 'current-number', number)
        self.wait_text('panel', 'current-number', number)
        self.wait_text('panel', 'current-desk', "Guichê 2")
        self.assertTrue(self.text('panel', 'announcement').startswith(
                "Senha MAT "))

        # The agent attends and finishes over RPC, then the next ticket,
        # from the kiosk, is called over RPC: panel and console show it
        finish(call_ticket(number))
        drain_evaluation()
        kiosk.find_element('id', 'again').click()
        self.element('kiosk', 'issue-form')
        kiosk.find_element('id', 'issue').click()
        self.wait('kiosk', lambda d: self.text('kiosk', 'receipt-number')
            not in {None, '', number}, "no second ticket")
        second = self.text('kiosk', 'receipt-number')
        called = call_next()
        self.assertEqual(called.number, second)
        self.wait_text('panel', 'current-number', second)
        self.wait_text('console', 'current-number', second)
        self.assertIn(number, self.text('panel', 'history'))
        clear_desk()


def call_ticket(number):
    "The called ticket of Guichê 2 with number"
    agent = server.proteus('agent')
    ticket, = agent.get('see.ticket').find([
            ('desk', '=', FIXTURE['desk']), ('number', '=', number),
            ('state', '=', 'called')])
    return ticket


if __name__ == '__main__':
    unittest.main()
