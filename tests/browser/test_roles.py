# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""A walk through the web client as each role, over the defects the roles
met (issue #18): each check fails if its defect came back.

One trytond server with sao; one headless Chromium for the class.
"""
import re
import unittest

from tests.browser.chrome import BrowserTestCase, sao_login
from tests.browser.test_web_client import WebClientMixin, _selenium
from tests.server import TrytonServer

server = TrytonServer()

TITLE = "Central de Atendimento SEE"
ARTICLE = "Calendário da matrícula dos novatos"


def setUpModule():
    if not server.web_root:
        raise unittest.SkipTest(
            "the web client is not installed: run `make sao`")
    server.start()


def tearDownModule():
    server.stop()


class RolesWalkTestCase(WebClientMixin, BrowserTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        root = server.proteus('root')
        Article = root.get('see.kb.article')
        article = Article(title=ARTICLE, body="Duas etapas.",
            keywords="matrícula novato")
        article.save()
        article.click('publish')

        agent = server.proteus('agent')
        Protocol = agent.get('see.protocol')
        protocol = Protocol()
        protocol.requester_name = "Lúcia Formatada"
        protocol.requester_phone = "81987654321"
        protocol.requester_cpf = "52998224725"
        protocol.service = agent.get('see.service')(server.records['service'])
        protocol.description = "Quando começa a matrícula?"
        protocol.classification, = agent.get('see.classification').find(
            [('code', '=', 'SEEPE')])
        protocol.kb_articles.append(agent.get('see.kb.article')(article.id))
        protocol.save()
        protocol.click('start')
        cls.protocol = protocol.id
        cls.number = protocol.number

        draft = Protocol(requester_name="Rui Rascunho",
            requester_phone="81988887777")
        draft.save()
        cls.draft_number = draft.number

        escalated = Protocol()
        escalated.requester_name = "Sônia Encaminhada"
        escalated.requester_phone = "81987651234"
        escalated.service = protocol.service
        escalated.description = "Pergunta para a SEE-PE"
        escalated.classification = protocol.classification
        escalated.save()
        escalated.click('start')
        wizard = agent.wizard('see.protocol.escalate', [escalated])
        wizard.form.question = "Qual o prazo da matrícula?"
        wizard.execute('escalate')
        cls.escalated_number = escalated.number

    def text_of(self, css):
        "The text content of the elements of css, hidden ones too"
        _, By, _, _, _ = _selenium()
        return [e.get_attribute('textContent').strip()
            for e in self.driver.find_elements(By.CSS_SELECTOR, css)]

    def open_row(self, text):
        """Open the record of the visible list row that shows text, from
        its state (a cell of a link would open the linked record)"""
        ActionChains, By, _, _, _ = _selenium()
        cell = self.wait().until(lambda d: next((c for c in d.find_elements(
                        By.CSS_SELECTOR, '.treeview tbody td')
                    if c.is_displayed() and c.text == text), False),
            f"no row shows {text}")
        row = cell.find_element(By.XPATH, './ancestor::tr[1]')
        state = row.find_element(By.CSS_SELECTOR, '.column-selection')
        ActionChains(self.driver).double_click(state).perform()

    def listed(self):
        _, By, _, _, _ = _selenium()
        return [c.text for c in self.driver.find_elements(
                By.CSS_SELECTOR, '.treeview td') if c.is_displayed()]

    def field_value(self, name):
        return self.wait().until(lambda d: (
                (e := self.visible(f'input[name="{name}"]'))
                and e.get_attribute('value')),
            f"{name} shows no value")

    def test_web_client_name_icon_and_language(self):
        "The web client is the product, in Brazilian Portuguese, with no 405"
        self.driver.get(f'{server.url}#{server.database}')
        self.wait().until(lambda d: self.visible('#title')
            and self.visible('#title').text == TITLE,
            "the header does not show the product")
        self.assertIn(TITLE, self.driver.title)
        icon = self.driver.execute_script(
            "return document.querySelector('link[rel=\"icon\"]').href")
        self.assertTrue(icon.endswith('/see_atendimento/sao/icon.svg'))
        statuses = self.driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "Promise.all(['/locale/pt_BR.json', '/custom.css',"
            " '/custom.js', '/favicon.ico', '/see_atendimento/sao/icon.svg']"
            ".map(u => fetch(u).then(r => r.status))).then(done);")
        self.assertEqual(statuses, [200] * 5)
        words = self.wait().until(lambda d: d.execute_script(
                "var t = Sao.i18n.gettext('Open related records');"
                "return t !== 'Open related records' && ["
                "t, Sao.i18n.gettext('Save'),"
                " Sao.i18n.gettext('Email...'),"
                " Sao.i18n.gettext('Preferences...')];"),
            "sao has no Portuguese")
        self.assertEqual(words, ["Abrir registros relacionados", "Salvar",
                "E-mail...", "Preferências..."])

    def test_agent_protocol(self):
        """The agent reads the protocol: phone, CPF and articles by name,
        the survey's scale, drafts apart and a labelled escalation"""
        _, By, _, _, _ = _selenium()
        sao_login(self.driver, server, 'agent')
        # The Portuguese of the user (pt) is the Brazilian one too
        self.assertEqual(self.driver.execute_script(
                "return Sao.i18n.gettext('Open related records')"),
            "Abrir registros relacionados")
        self.open_menu("Atendimento", "Protocolos")
        tabs = self.wait().until(lambda d: [t for t in self.text_of(
                    '#tabcontent .nav-tabs a') if t],
            "no tabs of protocols")
        self.assertTrue(any(t.startswith("Rascunhos") for t in tabs), tabs)
        # In Attendance lists the attendance in course, not the draft
        self.wait().until(lambda d: self.number in self.listed(),
            "the attendance in course is not listed")
        self.assertNotIn(self.draft_number, self.listed())
        self.open_row(self.number)
        self.assertEqual(
            self.field_value('requester_phone_shown'), "(81) 98765-4321")
        self.assertEqual(
            self.field_value('requester_cpf_shown'), "529.982.247-25")
        self.wait().until(lambda d: any(ARTICLE in t for t in self.text_of(
                        '.treeview td')),
            "the article used is not shown by its title")
        self.assertFalse([t for t in self.text_of('.treeview td')
                if re.fullmatch(r'\(\d+\)', t)])
        self.assertIn("Nota da pesquisa (0 a 10)", ' '.join(
                self.text_of('label')))
        # The escalation's dialog names its text area
        self.wait_visible('button[name="escalate"]').click()
        self.wait_visible('.modal-dialog textarea')
        dialog = self.visible('.modal-dialog')
        self.assertIn("Pergunta", dialog.text)
        self.wait_visible('.modal-dialog button[title="Cancelar"]').click()
        self.wait().until(lambda d: not self.visible('.modal-dialog'))

    def test_unit_escalation(self):
        """The second level reads the channel's label, the phone formatted,
        the age in words and labelled texts"""
        _, _, _, Select, _ = _selenium()
        sao_login(self.driver, server, 'unit')
        self.open_menu("Atendimento", "Encaminhamentos")
        self.wait().until(lambda d: self.escalated_number in self.listed(),
            "the escalation is not listed")
        self.assertFalse([t for t in self.listed()
                if re.search(r'\d\d:\d\d:\d\d\.\d', t)])
        self.open_row(self.escalated_number)
        channel = self.wait_visible('select[name="channel"]')
        self.assertEqual(Select(channel).first_selected_option.text,
            "Telefone")
        self.assertEqual(
            self.field_value('requester_phone'), "(81) 98765-1234")
        # The list and the form show the age in words
        self.assertRegex(self.field_value('age_text'),
            r'^(< 1 min|\d+ min|\d+ h( \d+ min)?|\d+ d( \d+ h)?)$')
        labels = ' '.join(self.text_of('.form-separator, label'))
        for label in ["Solicitação", "Pergunta", "Resposta"]:
            self.assertIn(label, labels)

    def test_admin_first_login(self):
        "The administrator's first login opens the menu, not a wizard"
        sao_login(self.driver, server, 'admin')
        self.assertFalse(self.visible('.modal-dialog'))
        self.assertEqual(server.query(
                "SELECT name FROM res_user WHERE login = 'admin'"),
            [("Administrador",)])

    def test_staff_page_header_logout(self):
        "A staff page shows the user and logs out to its login form"
        sao_login(self.driver, server, 'unit')
        self.driver.get(
            f'{server.url}{server.database}/see_atendimento/board')
        self.wait().until(lambda d: self.visible('.user')
            and self.visible('.user').text == server.users['unit'].name)
        self.wait_visible('#logout').click()
        self.wait_visible('#login-user')
        self.assertFalse(self.visible('#logout'))
        self.assertFalse(self.visible('.board'))
