# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Two headless Chromium: a citizen on the chat page, an agent on the
console opened after logging in to the web client.

Three tests, as the issue lists them: the whole conversation; a reload of
the citizen's page in the middle of it; markup and scripts sent by both
sides shown as text, never run. A fourth puts a WhatsApp conversation
beside a widget one in the console (issue #20)."""
import shutil
import tempfile
import unittest

from tests.browser.chrome import TIMEOUT, available, new_driver, sao_login
from tests.webchat.client import webchat_server

server = webchat_server()
# Each would set window.__pwned if it ran
CITIZEN_MARKUP = ('<script>window.__pwned = "citizen";</script>'
    '<b id="bold">negrito</b>'
    '<img src="x" onerror="window.__pwned = \'citizen img\'">')
AGENT_MARKUP = ('<script>alert("agente")</script>'
    '<i id="italic">itálico</i>'
    '<svg onload="window.__pwned = \'agent svg\'"></svg>')


def setUpModule():
    reason = available()
    if reason:
        raise unittest.SkipTest(reason)
    server.start()


def tearDownModule():
    server.stop()


class WebchatBrowserTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        admin = server.proteus('admin')
        Article = admin.get('see.kb.article')
        article = Article(title="Documentos da matrícula",
            body="Leve RG, CPF e comprovante de residência à escola.")
        article.save()
        article.click('publish')
        Configuration = admin.get('see.chat.configuration')
        config = Configuration(1)
        # One agent attends the conversations of every test
        config.agent_limit = 10
        config.save()
        cls.profiles = [tempfile.mkdtemp(prefix='see-chromium-')
            for _ in range(2)]
        cls.citizen = new_driver(cls.profiles[0])
        cls.agent = new_driver(cls.profiles[1])
        sao_login(cls.agent, server, 'agent')
        cls.chat_url = f'{server.url}{server.database}/see_webchat/'
        cls.console_url = (
            f'{server.url}{server.database}/see_webchat/console')

    @classmethod
    def tearDownClass(cls):
        for driver in [cls.citizen, cls.agent]:
            driver.quit()
        for profile in cls.profiles:
            shutil.rmtree(profile, ignore_errors=True)

    # Helpers -----------------------------------------------------------

    def wait(self, driver, condition, timeout=TIMEOUT):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(driver, timeout).until(condition)

    def visible(self, driver, css):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        return self.wait(driver,
            EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def text_in(self, driver, css, text):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        return self.wait(driver, EC.text_to_be_present_in_element(
                (By.CSS_SELECTOR, css), text))

    def start_chat(self, name, phone, cpf=''):
        """The citizen identifies with the keyboard only, chooses the
        service and waits in the queue"""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        citizen = self.citizen
        # A new conversation: forget the one of a previous test, from a
        # page of the same origin where the widget does not run (it would
        # store its conversation again)
        citizen.get(self.chat_url + 'embed.js')
        citizen.execute_script('window.localStorage.clear();')
        citizen.get(self.chat_url)
        keys = [name, Keys.TAB, phone]
        if cpf:
            keys += [Keys.TAB, cpf]
        self.visible(citizen, '#name').send_keys(*keys)
        citizen.find_element(By.ID, 'consent').send_keys(Keys.SPACE)
        citizen.find_element(By.ID, 'identify-submit').send_keys(Keys.ENTER)
        self.visible(citizen, '#services input').send_keys(Keys.SPACE)
        citizen.find_element(By.ID, 'service-submit').send_keys(Keys.ENTER)
        self.text_in(citizen, '#status', 'fila')
        self.text_in(citizen, '#messages', 'Bem-vindo')

    def citizen_says(self, text):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        self.visible(self.citizen, '#text').send_keys(text, Keys.ENTER)
        self.wait(self.citizen, lambda d: not d.find_elements(
                By.CSS_SELECTOR, '.msg-pending'))

    def accept(self, name):
        "The agent opens the console and accepts the citizen of name"
        agent = self.agent
        agent.get(self.console_url)
        self.visible(agent, '#queue button.accept'
            f'[aria-label="Aceitar conversa de {name}"]').click()
        self.text_in(agent, '#mine', name)
        number = self.visible(self.citizen, '#protocol-number')
        self.wait(self.citizen, lambda d: number.text.strip())
        return number.text

    def agent_says(self, text):
        from selenium.webdriver.common.by import By
        reply = self.visible(self.agent, '#reply')
        reply.clear()
        reply.send_keys(text)
        self.agent.find_element(By.ID, 'send').click()

    def assertNothingRan(self, driver):
        from selenium.common.exceptions import NoAlertPresentException
        from selenium.webdriver.common.by import By
        self.assertIsNone(driver.execute_script('return window.__pwned;'))
        with self.assertRaises(NoAlertPresentException):
            driver.switch_to.alert.text
        for element in ['bold', 'italic']:
            self.assertFalse(driver.find_elements(By.ID, element))
        self.assertFalse(driver.find_elements(
                By.CSS_SELECTOR, '#messages img, #messages svg, '
                '#messages script'))

    # Tests -------------------------------------------------------------

    def test_conversation(self):
        """The whole conversation: identify, chat, accept, KB article,
        close, the quality question, and the rows in PostgreSQL"""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import Select
        citizen, agent = self.citizen, self.agent
        self.start_chat("Maria da Silva", "81998765432", "529.982.247-25")
        self.citizen_says("Quais documentos levo para a matrícula?")
        # The attach button speaks Portuguese: the browser's own "Choose
        # File" of the file input is not shown, the page's label is
        self.assertEqual(self.visible(citizen, '.file-label').text,
            "Anexar arquivo")
        self.assertLessEqual(citizen.execute_script(
                "return document.getElementById('file')"
                ".getBoundingClientRect().width;"), 1)
        number = self.accept("Maria da Silva")
        self.text_in(agent, '#messages', 'Quais documentos')
        # The phone as people read it, not as stored (E.164)
        self.text_in(agent, '#session-info', '(81) 99876-5432')

        # The agent answers with a KB article and a reply
        agent.find_element(By.CSS_SELECTOR, '#kb-box summary').click()
        self.visible(agent, '#kb-query').send_keys("documentos", Keys.ENTER)
        self.visible(agent, '#kb-results button.send-article').click()
        self.text_in(citizen, '#messages', 'comprovante de residência')
        self.agent_says("Posso ajudar em algo mais?")
        self.text_in(citizen, '#messages', 'Posso ajudar em algo mais?')
        self.citizen_says("Não, obrigada!")
        self.text_in(agent, '#messages', 'obrigada')
        Select(agent.find_element(By.ID, 'close-classification')
            ).select_by_index(1)
        agent.find_element(By.ID, 'close').click()

        # The quality question, answered with the keyboard
        self.visible(citizen, '#survey')
        self.text_in(citizen, '#messages', 'Como você avalia')
        citizen.find_element(By.CSS_SELECTOR,
            '#scores input[value="9"]').send_keys(Keys.SPACE)
        citizen.find_element(By.ID, 'survey-submit').send_keys(Keys.ENTER)
        self.text_in(citizen, '#ended-text', 'nota 9')

        rows = server.query(
            'SELECT p.number, p.channel, p.state, p.survey_score, '
            'p.classification IS NOT NULL, p.requester_cpf, '
            's.state, s.interaction_count, s.end_date IS NOT NULL '
            'FROM see_chat_session s JOIN see_protocol p '
            'ON p.id = s.protocol WHERE p.number = %s', (number,))
        self.assertEqual(rows, [(number, 'webchat', 'closed', 9, True,
                    '52998224725', 'closed', 8, True)])
        texts = [r[0] for r in server.query(
                'SELECT m.text FROM see_chat_message m '
                'JOIN see_chat_session s ON s.id = m.session '
                'JOIN see_protocol p ON p.id = s.protocol '
                'WHERE p.number = %s ORDER BY m.id', (number,))]
        self.assertIn("Quais documentos levo para a matrícula?", texts)
        self.assertIn("Posso ajudar em algo mais?", texts)
        self.assertTrue(any('comprovante de residência' in t for t in texts))
        self.assertEqual(texts[-1], "9")
        # The article is linked to the protocol (QTBC)
        self.assertEqual(server.query(
                'SELECT COUNT(*) FROM "see_protocol-see_kb_article" r '
                'JOIN see_protocol p ON p.id = r.protocol '
                'WHERE p.number = %s', (number,)), [(1,)])

    def test_reload_and_continue(self):
        """Reloading the citizen's page in the middle of the conversation
        restores it, its protocol number and the text being typed; the
        conversation goes on"""
        citizen, agent = self.citizen, self.agent
        self.start_chat("João Pereira", "81998765400")
        self.citizen_says("Preciso de ajuda com o Passe Livre")
        number = self.accept("João Pereira")
        self.agent_says("Claro, qual é a sua dúvida?")
        self.text_in(citizen, '#messages', 'qual é a sua dúvida?')

        self.visible(citizen, '#text').send_keys("rascunho não enviado")
        citizen.refresh()
        self.text_in(citizen, '#messages', 'Preciso de ajuda com o Passe')
        self.text_in(citizen, '#messages', 'qual é a sua dúvida?')
        self.assertEqual(self.visible(citizen, '#text').get_attribute(
                'value'), "rascunho não enviado")
        self.text_in(citizen, '#protocol-number', number)

        # The conversation goes on after the reload, both ways
        self.visible(citizen, '#text').clear()
        self.citizen_says("Como renovo o cartão?")
        self.text_in(agent, '#messages', 'Como renovo o cartão?')
        self.agent_says("Pelo portal, na opção Renovação.")
        self.text_in(citizen, '#messages', 'na opção Renovação')
        # Nothing was stored twice
        texts = [r[0] for r in server.query(
                'SELECT m.text FROM see_chat_message m '
                'JOIN see_chat_session s ON s.id = m.session '
                'JOIN see_protocol p ON p.id = s.protocol '
                "WHERE p.number = %s AND m.kind = 'text' ORDER BY m.id",
                (number,))]
        self.assertEqual(texts, [
                "Preciso de ajuda com o Passe Livre",
                "Claro, qual é a sua dúvida?",
                "Como renovo o cartão?",
                "Pelo portal, na opção Renovação.",
                ])

    def test_markup_is_text(self):
        """<script> and markup sent by both sides are shown as text on
        both pages and nothing runs"""
        from selenium.webdriver.common.by import By
        citizen, agent = self.citizen, self.agent
        self.start_chat("Rita Souza", "81998765411")
        self.citizen_says(CITIZEN_MARKUP)
        self.accept("Rita Souza")
        self.text_in(agent, '#messages', 'negrito')
        self.agent_says(AGENT_MARKUP)
        self.text_in(citizen, '#messages', 'itálico')
        self.text_in(agent, '#messages', 'itálico')
        for driver in [citizen, agent]:
            with self.subTest(page=driver is citizen and 'citizen'
                    or 'agent'):
                shown = driver.find_element(By.ID, 'messages').text
                self.assertIn(CITIZEN_MARKUP, shown)
                self.assertIn(AGENT_MARKUP, shown)
                self.assertNothingRan(driver)
        # And after a reload, from what the server stored
        citizen.refresh()
        self.text_in(citizen, '#messages', 'itálico')
        self.assertIn(AGENT_MARKUP,
            citizen.find_element(By.ID, 'messages').text)
        self.assertNothingRan(citizen)

    def test_channels_side_by_side(self):
        """A WhatsApp conversation (signed webhooks in, the fake Graph API
        out) and a widget one in the same console, each with its channel;
        the agent answers both from the same place"""
        from selenium.webdriver.common.by import By
        from trytond.modules.see_webchat.tests.fake_apis import (
            FakeGraphAPI, WhatsAppCitizen)
        agent = self.agent
        fake = FakeGraphAPI().start()
        self.addCleanup(fake.stop)
        Account = server.proteus('admin').get('see.chat.channel.whatsapp')
        account = Account(name="SEE-PE", phone_number_id='3000003',
            api_url=fake.url, access_token=fake.token,
            app_secret='segredo', verify_token='verificar')
        account.save()
        whatsapp = WhatsAppCitizen(f'{server.url}{server.database}'
            f'/see_webchat/whatsapp/{account.id}', 'segredo', '3000003',
            '5581997770001')
        whatsapp.say("Olá")
        whatsapp.choose('consent:yes', kind='button_reply')
        whatsapp.say("Pedro Zap")
        whatsapp.say("pular")
        whatsapp.choose('service:1')
        self.start_chat("Paula Web", "81998765422")

        agent.get(self.console_url)
        for name, channel in [("Pedro Zap", 'WhatsApp'),
                ("Paula Web", 'Web')]:
            with self.subTest(name=name):
                item = self.visible(agent, '#queue button.accept'
                    f'[aria-label="Aceitar conversa de {name}"]'
                    ).find_element(By.XPATH, '..')
                self.assertEqual(item.find_element(
                        By.CSS_SELECTOR, '.channel').text, channel)
        self.accept("Paula Web")
        self.visible(agent, '#queue button.accept'
            '[aria-label="Aceitar conversa de Pedro Zap"]').click()
        self.text_in(agent, '#mine', "Pedro Zap")
        self.wait(agent, lambda d: len(d.find_elements(
                    By.CSS_SELECTOR, '#mine .channel')) >= 2)
        badges = {}
        for item in agent.find_elements(By.CSS_SELECTOR, '#mine li'):
            name = item.find_element(By.CSS_SELECTOR, 'button').text
            badges[name.split(' — ')[0]] = item.find_element(
                By.CSS_SELECTOR, '.channel').text
        self.assertEqual(badges["Pedro Zap"], 'WhatsApp')
        self.assertEqual(badges["Paula Web"], 'Web')

        # Answer the WhatsApp citizen: it goes out through the Graph API
        for button in agent.find_elements(By.CSS_SELECTOR,
                '#mine button.open-session'):
            if "Pedro Zap" in button.text:
                button.click()
                # The list is drawn again
                break
        self.text_in(agent, '#session-info', 'WhatsApp')
        self.agent_says("Oi Pedro, em que posso ajudar?")
        self.assertTrue(fake.wait_for(lambda requests: any(
                    (r['body'] or {}).get('text', {}).get('body')
                    == "Oi Pedro, em que posso ajudar?" for r in requests)))
        whatsapp.say("Quero saber da matrícula")
        self.text_in(agent, '#messages', 'Quero saber da matrícula')
        # And the widget's citizen, in the same console
        for button in agent.find_elements(By.CSS_SELECTOR,
                '#mine button.open-session'):
            if "Paula Web" in button.text:
                button.click()
                # The list is drawn again
                break
        self.text_in(agent, '#session-info', 'Web')
        self.agent_says("Oi Paula!")
        self.text_in(self.citizen, '#messages', 'Oi Paula!')


if __name__ == '__main__':
    unittest.main()
