# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The web client and the escalation board in a real headless Chromium.

One trytond server (tests.server) with sao serves both test classes; the
checks read what PostgreSQL really stored.
"""
import datetime as dt
import re
import unittest
from decimal import Decimal
from pathlib import Path

from tests.browser.chrome import TIMEOUT, BrowserTestCase, sao_login
from tests.server import TrytonServer

server = TrytonServer()


def setUpModule():
    if not server.web_root:
        raise unittest.SkipTest(
            "the web client is not installed: run `make sao`")
    server.start()


def tearDownModule():
    server.stop()


def _selenium():
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
    return ActionChains, By, EC, Select, WebDriverWait


def translated_message(msgid_fragment):
    "The Portuguese text of a message of see_atendimento, or None"
    po = (Path(__file__).resolve().parents[2]
        / 'addons' / 'see_atendimento' / 'locale' / 'pt.po')
    if not po.exists():
        return None
    entries = po.read_text(encoding='utf-8').split('\n\n')
    for entry in entries:
        if msgid_fragment in entry:
            match = re.search(r'msgstr ((?:".*"\s*)+)', entry)
            if match:
                return ''.join(re.findall(r'"(.*)"', match.group(1))
                    ).replace('\\"', '"')


class WebClientMixin:

    def wait(self, timeout=TIMEOUT):
        _, _, _, _, WebDriverWait = _selenium()
        return WebDriverWait(self.driver, timeout)

    def visible(self, css):
        "The first visible element matching css"
        _, By, _, _, _ = _selenium()
        for element in self.driver.find_elements(By.CSS_SELECTOR, css):
            if element.is_displayed():
                return element
        return False

    def wait_visible(self, css):
        return self.wait().until(lambda d: self.visible(css),
            f"{css} is not visible")

    def javascript_errors(self):
        try:
            return [entry['message'] for entry in self.driver.get_log(
                    'browser') if entry.get('source') == 'javascript']
        except Exception:
            return []

    def open_menu(self, *path):
        "Open the menu entry of path in the web client"
        ActionChains, By, EC, _, _ = _selenium()

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


class WebClientTestCase(WebClientMixin, BrowserTestCase):
    "The agent registers a protocol through the web client's form"

    def test_agent_creates_protocol(self):
        "Atendimento › Protocolos: create a protocol and see its number"
        from selenium.webdriver.common.keys import Keys
        _, By, _, Select, _ = _selenium()
        sao_login(self.driver, server, 'agent')
        self.open_menu("Atendimento", "Protocolos")
        try:
            self.wait_visible('#new_').click()
            # The form is editable once the defaults of the new record came
            name = self.wait().until(lambda d: (
                    (e := self.visible('input[name="requester_name"]'))
                    and e.is_enabled() and e),
                "the new protocol's form is not editable")
        except Exception:
            errors = self.javascript_errors()
            if errors:
                self.fail("the web client failed: " + '\n'.join(errors))
            raise
        name.send_keys("Joana Navegadora")
        phone = self.visible('input[name="requester_phone_shown"]')
        phone.send_keys("(81) 99876-1234")
        # Typing on the focused list chooses the option, as a user does
        channel = self.visible('select[name="channel"]')
        channel.send_keys("WhatsApp")
        self.assertEqual(
            Select(channel).first_selected_option.text, "WhatsApp")
        channel.send_keys(Keys.TAB)
        self.visible('textarea[name="description"]').send_keys(
            "Quando sai o resultado da matrícula?")
        self.wait().until(lambda d: (
                (e := self.visible('#save')) and e.is_enabled() and e),
            "the save button is not enabled").click()

        number = self.wait().until(
            lambda d: self.visible('input[name="number"]').get_attribute(
                'value'), "the protocol number is not shown")

        rows = server.query(
            'SELECT number, channel, requester_phone, agent, state '
            'FROM see_protocol WHERE requester_name = %s',
            ("Joana Navegadora",))
        self.assertEqual(rows, [(number, 'whatsapp', '+5581998761234',
                    server.users['agent'].id, 'draft')])
        self.assertRegex(number, r'\d{4}')


class BoardTestCase(WebClientMixin, BrowserTestCase):
    "The Unidade Gestora works its escalations on the kanban board"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        root = server.proteus('root')
        Unit = root.get('see.unit')
        Service = root.get('see.service')
        other_unit = Unit(name="Gerência do Passe Livre", code='GEPAS')
        other_unit.save()
        other_service = Service(name="Passe Livre", code='PASSE',
            kind='rotineiro', unit=other_unit)
        other_service.save()
        exam = Service(name="Exame Supletivo", code='SUPLETIVO',
            kind='especial', unit=server.records['unit'])
        exam.save()

        agent = server.proteus('agent')
        cls.escalations = {}
        for key, service, name in [
                ('drag', server.records['service'], "Maria Arrastada"),
                ('illegal', server.records['service'], "Paulo Recusado"),
                ('answer', server.records['service'], "Rita Respondida"),
                ('exam', exam.id, "Sérgio Supletivo"),
                ('other', other_service.id, "Otávio Outra Unidade"),
                ]:
            cls.escalations[key] = cls.escalate(agent, service, name)
        unit = server.proteus('unit')
        escalation = unit.get('see.protocol.escalation')(
            cls.escalations['answer'])
        escalation.click('analyse')

    @classmethod
    def escalate(cls, connection, service, name):
        Protocol = connection.get('see.protocol')
        protocol = Protocol()
        protocol.requester_name = name
        protocol.requester_phone = "(81) 98888-0000"
        protocol.service = connection.get('see.service')(service)
        protocol.description = f"Pergunta de {name} à SEE-PE"
        protocol.classification, = connection.get(
            'see.classification').find([('code', '=', 'SEEPE')])
        protocol.save()
        protocol.click('start')
        wizard = connection.wizard('see.protocol.escalate', [protocol])
        wizard.form.question = f"Dúvida de {name} para a Unidade Gestora"
        wizard.execute('escalate')
        protocol.reload()
        escalation, = protocol.escalations
        return escalation.id

    def state(self, key):
        (state,), = server.query(
            'SELECT state FROM see_protocol_escalation WHERE id = %s',
            (self.escalations[key],))
        return state

    def card(self, key):
        return self.wait_visible(
            f'.card[data-id="{self.escalations[key]}"]:not(.pending)')

    def column(self, state):
        return self.wait_visible(f'.column[data-state="{state}"]')

    def drag(self, card, column):
        ActionChains, _, _, _, _ = _selenium()
        (ActionChains(self.driver)
            .click_and_hold(card)
            .move_by_offset(15, 15)
            .move_to_element(column)
            .pause(0.2)
            .release()
            .perform())

    def open_board(self):
        self.driver.get(
            f'{server.url}{server.database}/see_atendimento/board')
        self.wait_visible('.board')

    def ensure_session(self):
        "Log in to the web client as the unit user once"
        if not getattr(type(self), '_logged_in', False):
            sao_login(self.driver, server, 'unit')
            type(self)._logged_in = True

    def test_board_from_menu(self):
        "The web client's menu opens the board with the same session"
        self.ensure_session()
        self.driver.get(f'{server.url}#{server.database}')
        main = self.driver.current_window_handle
        before = set(self.driver.window_handles)
        self.open_menu("Atendimento", "Quadro de encaminhamentos")
        new = self.wait().until(
            lambda d: set(d.window_handles) - before, "no board window")
        self.driver.switch_to.window(sorted(new)[0])
        try:
            self.wait().until(lambda d: d.current_url.endswith(
                    f'/{server.database}/see_atendimento/board'))
            self.card('drag')
            names = [e.text for e in self.driver.find_elements(
                    'css selector', '.column-name')]
            self.assertEqual(names[:2], ["Nova", "Em análise"])
            self.assertEqual(
                self.visible('.user').text, server.users['unit'].name)
            # Record rules: another unit's escalation is not shown
            self.assertFalse(self.driver.find_elements('css selector',
                    f'.card[data-id="{self.escalations["other"]}"]'))
            card = self.card('drag')
            self.assertIn("Matrícula", card.text)
            self.assertIn("Maria Arrastada", card.text)
            self.assertRegex(
                card.find_element('css selector', '.card-age').text,
                r'^(agora|há \d+ (min|h|dias?))$')
        finally:
            for handle in set(self.driver.window_handles) - before:
                self.driver.switch_to.window(handle)
                self.driver.close()
            self.driver.switch_to.window(main)

    def test_drag_to_analysis(self):
        "Dragging a card from Nova to Em análise moves the escalation"
        self.ensure_session()
        self.open_board()
        self.assertEqual(self.state('drag'), 'new')
        self.drag(self.card('drag'), self.column('analysis'))
        self.wait().until(lambda d: self.visible(
                f'.column[data-state="analysis"] '
                f'.card[data-id="{self.escalations["drag"]}"]:not(.pending)'),
            "the card did not stay in Em análise")
        self.assertEqual(self.state('drag'), 'analysis')
        (analysis_by,), = server.query(
            'SELECT analysis_by FROM see_protocol_escalation WHERE id = %s',
            (self.escalations['drag'],))
        self.assertEqual(analysis_by, server.users['unit'].id)

    def test_illegal_move_refused(self):
        "An illegal move is refused with a message and the card returns"
        self.ensure_session()
        self.open_board()
        self.drag(self.card('illegal'), self.column('returned'))
        message = self.wait().until(
            lambda d: self.visible('.message.error'), "no refusal shown")
        text = message.text
        protocol = self.card('illegal').get_attribute('data-protocol')
        self.assertIn(protocol, text)
        expected = translated_message('msg_escalation_illegal_move')
        if expected:
            self.assertIn(expected.split('%')[0].strip(), text)
        self.assertIn("Nova", text)
        self.visible(f'.column[data-state="new"] '
            f'.card[data-id="{self.escalations["illegal"]}"]')
        self.assertEqual(self.state('illegal'), 'new')

    def test_answer_through_dialog(self):
        "Dropping on Respondida asks for the answer and stores it"
        self.ensure_session()
        self.open_board()
        self.drag(self.card('answer'), self.column('answered'))
        text = self.wait_visible('#answer-text')
        answer = "A matrícula foi confirmada; o resultado sai na sexta."
        text.send_keys(answer)
        self.visible('#answer-ok').click()
        self.wait().until(lambda d: self.visible(
                f'.column[data-state="answered"] '
                f'.card[data-id="{self.escalations["answer"]}"]'
                ':not(.pending)'),
            "the card did not stay in Respondida")
        rows = server.query(
            'SELECT e.state, e.answer, p.state FROM see_protocol_escalation e '
            'JOIN see_protocol p ON p.id = e.protocol WHERE e.id = %s',
            (self.escalations['answer'],))
        self.assertEqual(rows, [('answered', answer, 'answered')])

    def test_filter_by_service(self):
        "The service filter shows only that service's cards"
        _, _, _, Select, _ = _selenium()
        self.ensure_session()
        self.open_board()
        self.card('exam')
        Select(self.visible('#filter-service')).select_by_visible_text(
            "Matrícula")
        self.wait().until(lambda d: not d.find_elements('css selector',
                f'.card[data-id="{self.escalations["exam"]}"]'),
            "the filter did not hide the other service")
        self.card('illegal')
        Select(self.visible('#filter-service')).select_by_visible_text(
            "Exame Supletivo")
        self.card('exam')
        self.assertFalse(self.driver.find_elements('css selector',
                f'.card[data-id="{self.escalations["illegal"]}"]'))

    def test_login_form(self):
        "Without a session the board asks for the Tryton login"
        self.driver.get(
            f'{server.url}{server.database}/see_atendimento/board')
        self.driver.delete_all_cookies()
        self.driver.execute_script('window.localStorage.clear()')
        type(self)._logged_in = False
        self.driver.refresh()
        self.wait_visible('#login-user').send_keys(server.users['unit'].login)
        password = self.visible('#login-password')
        password.send_keys("senha errada")
        self.visible('#login-submit').click()
        self.wait().until(lambda d: self.visible('.message.error'))
        password.send_keys(server.users['unit'].password)
        self.visible('#login-submit').click()
        self.card('illegal')
        self.assertFalse(self.visible('#login'))


class MeasurementTestCase(WebClientMixin, BrowserTestCase):
    "The contract manager drills down from a billable quantity"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Attendances of a past month, imported as an administrator does,
        # so that the other tests' attendances of today are not measured
        admin = server.proteus('admin')
        Protocol = admin.get('see.protocol')
        Classification = admin.get('see.classification')
        service = admin.get('see.service')(server.records['service'])
        standard, = Classification.find([('code', '=', 'PADRAO')])
        month = dt.date(2025, 3, 1)
        # Without its service, the last misses the minimum registry
        cls.names = {"Bianca Faturável": service, "Caio Faturável": service,
            "Davi Sem Serviço": None}
        for day, (name, service) in enumerate(cls.names.items(), 10):
            start = dt.datetime(2025, 3, day, 13)
            # The record's state is read-only for proteus: the RPC create
            Protocol._proxy.create([{'requester_name': name,
                        'requester_phone': "(81) 98888-1111",
                        'service': service.id if service else None,
                        'classification': standard.id,
                        'description': f"Dúvida de {name}",
                        'answer': "Orientado.", 'state': 'resolved',
                        'start_date': start,
                        'end_date': start + dt.timedelta(minutes=6),
                        }], {})

        cls.callers = cls.import_calls(admin)

        gestor = server.proteus('contract_manager')
        Party = gestor.get('party.party')
        Contract = gestor.get('see.contract')
        supplier, see = Party(name="Contratada"), Party(name="SEE-PE")
        supplier.save()
        see.save()
        contract = Contract(number='NAVEGADOR', supplier=supplier,
            customer=see, start_date=month, operation_start=month)
        contract.items.new(efisco_code='513159-6',
            description="Teleatendimento", channel='telefone',
            estimated_quantity=1000, unit_price=Decimal('10'))
        contract.save()
        contract.click('activate')
        measurement = gestor.get('see.sla.measurement')(
            contract=contract, month=month)
        measurement.save()
        measurement.click('compute')
        cls.item, = measurement.items

    @staticmethod
    def import_calls(admin):
        """Calls of 10/03/2025 imported from the PBX's queue_log by the
        supervisor: two answered, none registered as a protocol, one
        abandoned; return the callers answered (IAR's denominator)"""
        admin.get('see.ami.server')(name="PABX do navegador",
            host='10.0.0.9', user='see', secret='s3cr3t').save()
        arrival = 1741615200  # 10/03/2025 14:00 UTC
        lines = []
        for n, (wait, talk) in enumerate([(20, 100), (90, 60), (70, None)]):
            at = arrival + 600 * n
            uniqueid = f'{at}.{n}'
            lines.append(f'{at}|{uniqueid}|matricula|NONE|ENTERQUEUE||'
                f'813333000{n}|1')
            if talk:
                lines += [f'{at + wait}|{uniqueid}|matricula|PJSIP/1001|'
                    f'CONNECT|{wait}|{uniqueid}1|1',
                    f'{at + wait + talk}|{uniqueid}|matricula|PJSIP/1001|'
                    f'COMPLETECALLER|{wait}|{talk}|1']
            else:
                lines.append(f'{at + wait}|{uniqueid}|matricula|NONE|'
                    f'ABANDON|1|1|{wait}')
        wizard = server.proteus('supervisor').wizard(
            'see.call.import_queue_log')
        wizard.form.file = '\n'.join(lines).encode('utf-8')
        wizard.form.filename = 'queue_log'
        wizard.execute('import_')
        return {'(81) 3333-0000', '(81) 3333-0001'}

    def open_measurement(self, role):
        """Log in as role, open the measured month's form and return the
        row of IAR in its indicators"""
        from selenium.common.exceptions import (
            ElementNotInteractableException, StaleElementReferenceException)
        ActionChains, By, _, _, _ = _selenium()
        sao_login(self.driver, server, role)
        self.open_menu("Atendimento", "Contrato e ANS", "Medições")

        def iar_row(driver):
            # In the current tab: the user's home action may have opened
            # another measurement's form in a tab of its own
            for cell in driver.find_elements(By.CSS_SELECTOR,
                    ".tab-pane.active[role='tabpanel'] .treeview td"):
                if cell.is_displayed() and cell.text == 'IAR':
                    return cell.find_element(By.XPATH, './ancestor::tr[1]')
            # A double click while the list is drawn again is lost: again
            try:
                month = self.visible('.treeview tbody .column-date')
                if month:
                    ActionChains(driver).double_click(month).perform()
            except (StaleElementReferenceException,
                    ElementNotInteractableException):
                # Drawn again, or not laid out yet, under load: again
                pass
            return False
        return self.wait().until(iar_row,
            "the measurement's form does not list IAR")

    def click_row_button(self, row, name):
        "Click the button name of a list's row: the first click selects it"
        _, By, _, _, _ = _selenium()
        button = row.find_element(By.CSS_SELECTOR, f'button[name="{name}"]')
        self.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', "
            "inline: 'center'});", button)
        self.wait().until(lambda d: button.is_displayed()
            and button.is_enabled(), "the row's button is not shown")
        if 'selected' not in row.get_attribute('class'):
            button.click()
            self.wait().until(
                lambda d: 'selected' in row.get_attribute('class'),
                "the row is not selected")
        button.click()

    def test_indicator_drill_down(self):
        "Contrato e ANS › Medições: the calls behind IAR's figures"
        _, By, _, _, _ = _selenium()
        row = self.open_measurement('contract_manager')
        tabs = len(self.driver.find_elements(By.CSS_SELECTOR,
                '#tablist > li > a'))
        self.click_row_button(row, 'open_denominator')
        # A new tab lists the answered calls, and only those
        self.wait().until(lambda d: self.listed_callers() == self.callers,
            "the tab does not list the answered calls")
        # No answered call became a protocol: the numerator's tab opens
        # (it failed on a field calls do not have) and lists none
        self.driver.find_elements(By.CSS_SELECTOR,
            '#tablist > li > a')[tabs - 1].click()
        row = self.open_measurement_row()
        self.click_row_button(row, 'open_numerator')
        self.wait().until(lambda d: len(d.find_elements(By.CSS_SELECTOR,
                    '#tablist > li > a')) == tabs + 2,
            "the numerator's tab does not open")
        self.assertEqual(self.listed_callers(), set())
        self.assertEqual(self.javascript_errors(), [])

    def open_measurement_row(self):
        "The row of IAR in the current tab's measurement"
        _, By, _, _, _ = _selenium()
        return self.wait().until(lambda d: next((cell.find_element(
                        By.XPATH, './ancestor::tr[1]')
                    for cell in d.find_elements(By.CSS_SELECTOR,
                        ".tab-pane.active[role='tabpanel'] .treeview td")
                    if cell.is_displayed() and cell.text == 'IAR'), False),
            "the measurement's IAR line is not shown")

    def listed_callers(self):
        "The formatted callers of the current tab's list of calls"
        return {cell.text for cell in self.driver.find_elements(
                'css selector',
                ".tab-pane.active[role='tabpanel'] .treeview td")
            if cell.is_displayed() and cell.text.startswith('(81) 3333')}

    def test_billable_drill_down(self):
        "Contrato e ANS › Medições: the billable attendances of an item"
        ActionChains, By, _, _, _ = _selenium()
        self.assertEqual((self.item.registered, self.item.billable), (3, 2))
        sao_login(self.driver, server, 'contract_manager')
        self.open_menu("Atendimento", "Contrato e ANS", "Medições")
        month = self.wait().until(lambda d: self.visible(
                '.treeview tbody .column-date'),
            "the measurements are not listed")
        ActionChains(self.driver).double_click(month).perform()
        self.wait().until(lambda d: (e := d.find_element(By.XPATH,
                    "//a[normalize-space()='Quantidades Faturáveis']"))
            and e.is_displayed() and e, "no billable quantities tab").click()
        # The first click on a row's button selects the row, as in sao
        button = self.wait_visible('button[name="open_billable"]')
        button.click()
        self.wait().until(lambda d: 'selected' in button.find_element(
                By.XPATH, './ancestor::tr[1]').get_attribute('class'),
            "the item's row is not selected")
        button.click()
        # A new tab lists the protocols counted, and only those
        self.wait().until(lambda d: self.listed() == set(
                n for n, s in self.names.items() if s),
            "the tab does not list the billable protocols")

    def test_check_against_records(self):
        "The auditor checks the measurement against the records"
        from selenium.common.exceptions import (
            ElementNotInteractableException, StaleElementReferenceException)
        ActionChains, By, _, _, _ = _selenium()
        sao_login(self.driver, server, 'auditor')
        self.open_menu("Atendimento", "Contrato e ANS", "Medições")

        def form_opened(driver):
            # A double click while the list is drawn again is lost: again
            button = self.visible('button[name="check_records"]')
            if button:
                return button
            try:
                month = self.visible('.treeview tbody .column-date')
                if month:
                    ActionChains(driver).double_click(month).perform()
            except (StaleElementReferenceException,
                    ElementNotInteractableException):
                # Drawn again, or not laid out yet, under load: again
                pass
            return False
        self.wait().until(form_opened,
            "the measurement's form does not open").click()
        # The wizard's dialog shows the result of the recount
        self.wait().until(lambda d: any(
                'dão todos os números do cálculo' in (
                    area.get_property('value') or '')
                for area in d.find_elements(
                    By.CSS_SELECTOR, '.modal-dialog textarea')),
            "the dialog does not show that the records match")
        self.assertEqual(self.javascript_errors(), [])

    def listed(self):
        "The requester names of the visible list of protocols"
        names = set()
        for cell in self.driver.find_elements('css selector',
                '.treeview td'):
            if cell.is_displayed() and cell.text in self.names:
                names.add(cell.text)
        return names
