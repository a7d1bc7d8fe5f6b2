# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Two headless Chromium: a citizen on the chat page, an agent on the
console opened after logging in to the web client."""
import shutil
import tempfile
import unittest

from tests.browser.chrome import TIMEOUT, available, new_driver, sao_login
from tests.webchat.client import webchat_server

server = webchat_server()
SCRIPT = '<script>window.__xss = 1;</script><b id="bold">negrito</b>'


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
        Article = server.proteus('admin').get('see.kb.article')
        article = Article(title="Documentos da matrícula",
            body="Leve RG, CPF e comprovante de residência à escola.")
        article.save()
        article.click('publish')
        cls.profiles = [tempfile.mkdtemp(prefix='see-chromium-')
            for _ in range(2)]
        cls.citizen = new_driver(cls.profiles[0])
        cls.agent = new_driver(cls.profiles[1])

    @classmethod
    def tearDownClass(cls):
        for driver in [cls.citizen, cls.agent]:
            driver.quit()
        for profile in cls.profiles:
            shutil.rmtree(profile, ignore_errors=True)

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

    def test_conversation(self):
        "Identify, chat, reload, accept, KB article, close and survey"
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        citizen, agent = self.citizen, self.agent
        chat_url = f'{server.url}{server.database}/see_webchat/'

        # The citizen identifies, keyboard only
        citizen.get(chat_url)
        self.visible(citizen, '#name').send_keys("Maria da Silva", Keys.TAB,
            "81998765432", Keys.TAB, "529.982.247-25")
        citizen.find_element(By.ID, 'consent').send_keys(Keys.SPACE)
        citizen.find_element(By.ID, 'identify-submit').send_keys(Keys.ENTER)
        service = self.visible(citizen, '#services input')
        service.send_keys(Keys.SPACE)
        citizen.find_element(By.ID, 'service-submit').click()
        self.text_in(citizen, '#status', 'fila')
        self.text_in(citizen, '#messages', 'Bem-vindo')
        text = self.visible(citizen, '#text')
        text.send_keys(SCRIPT, Keys.ENTER)
        self.wait(citizen, lambda d: not d.find_elements(
                By.CSS_SELECTOR, '.msg-pending'))

        # The agent logs in to the web client and opens the console
        sao_login(agent, server, 'agent')
        agent.get(f'{server.url}{server.database}/see_webchat/console')
        self.visible(agent, '#queue button.accept').click()
        self.text_in(agent, '#messages', 'negrito')
        # Markup is shown as text on both sides and never runs
        self.assertIn(SCRIPT, agent.find_element(By.ID, 'messages').text)
        self.assertFalse(agent.find_elements(By.ID, 'bold'))
        self.assertIsNone(agent.execute_script('return window.__xss'))
        self.text_in(citizen, '#protocol-number', server.database[:0])
        number = self.visible(citizen, '#protocol-number').text
        self.assertTrue(number)
        self.assertFalse(citizen.find_elements(By.ID, 'bold'))
        self.assertIsNone(citizen.execute_script('return window.__xss'))

        # The citizen types, reloads and finds the conversation and the text
        self.visible(citizen, '#text').send_keys("rascunho não enviado")
        citizen.refresh()
        self.text_in(citizen, '#messages', 'negrito')
        self.assertEqual(self.visible(citizen, '#text').get_attribute(
                'value'), "rascunho não enviado")
        self.assertEqual(citizen.find_element(
                By.ID, 'protocol-number').text, number)
        self.visible(citizen, '#text').clear()

        # The agent answers with a KB article and a reply, then closes
        agent.find_element(By.CSS_SELECTOR, '#kb-box summary').click()
        self.visible(agent, '#kb-query').send_keys("documentos", Keys.ENTER)
        self.visible(agent, '#kb-results button.send-article').click()
        self.text_in(citizen, '#messages', 'comprovante de residência')
        self.visible(agent, '#reply').send_keys(
            "Posso ajudar em algo mais? <i>fim</i>")
        agent.find_element(By.ID, 'send').click()
        self.text_in(citizen, '#messages', '<i>fim</i>')
        self.visible(citizen, '#text').send_keys("Não, obrigada!", Keys.ENTER)
        self.text_in(agent, '#messages', 'obrigada')
        from selenium.webdriver.support.ui import Select
        Select(agent.find_element(By.ID, 'close-classification')
            ).select_by_index(1)
        agent.find_element(By.ID, 'close').click()

        # The quality question, answered with the keyboard
        self.visible(citizen, '#survey')
        self.text_in(citizen, '#messages', 'Como você avalia')
        citizen.find_element(By.CSS_SELECTOR,
            '#scores input[value="9"]').send_keys(Keys.SPACE)
        citizen.find_element(By.ID, 'survey-submit').click()
        self.text_in(citizen, '#ended-text', 'nota 9')

        rows = server.query(
            'SELECT p.number, p.channel, p.state, p.survey_score, '
            'p.classification IS NOT NULL, s.interaction_count, '
            's.concluded_in_time '
            'FROM see_chat_session s JOIN see_protocol p '
            'ON p.id = s.protocol WHERE p.number = %s', (number,))
        self.assertEqual(rows, [(number, "webchat", "closed", 9, True, 8,
                    True)])
        texts = [r[0] for r in server.query(
                'SELECT m.text FROM see_chat_message m '
                'JOIN see_chat_session s ON s.id = m.session '
                'JOIN see_protocol p ON p.id = s.protocol '
                'WHERE p.number = %s ORDER BY m.id', (number,))]
        self.assertIn(SCRIPT, texts)
        self.assertIn("9", texts)
        self.assertEqual(len(texts), 9)


if __name__ == '__main__':
    unittest.main()
