# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The assistant on the citizens' pages, on a real server with every module

`AssistantApiTestCase` (no browser): the refusals of the JSON routes (see
addons/see_assistente/routes.py). `AssistantBrowserTestCase`, one headless
Chromium: at the kiosk a citizen asks a question the
knowledge base answers and gets the passage with its article; asks
something it does not cover and is offered a person (a ticket at the
kiosk). In the webchat the citizen asks, is not answered, hands over and
lands in the webchat's queue with the question already typed. Each page
passes axe-core with no serious or critical violation."""
import json
import unittest
import urllib.error
import urllib.request

from proteus import Wizard

from tests.browser.chrome import CitizenPageTestCase
from tests.server import TrytonServer
from trytond.modules.see_assistente.tests import evaluation

server = TrytonServer()
ANSWERED = "perdi meu cartao do passe livre, como tiro outro"
ANSWER_TITLE = "Passe Livre Estudantil: cartão bloqueado ou perdido"
UNCOVERED = "como faço pra tirar a carteira de motorista"
FIXTURE = {}


def setUpModule():
    server.start()
    _fixture()


def tearDownModule():
    server.stop()


def _fixture():
    """Sixteen published articles of the evaluation set, a site offering the
    service with a kiosk and its token"""
    admin = server.proteus('admin')
    Article = admin.get('see.kb.article')
    articles = []
    for values in evaluation.articles()[:16]:
        articles.append(Article(title=values['title'],
                keywords=values['keywords'], body=values['body']))
    Article.save(articles)
    Article.click(articles, 'publish')

    Service = admin.get('see.service')
    Site = admin.get('see.site')
    Device = admin.get('see.device')
    site = Site(name="Recife Centro", code='RC')
    line = site.services.new()
    line.service = Service(server.records['service'])
    line.prefix = 'MAT'
    site.save()
    for key in ['kiosk_token', 'api_token', 'rate_token']:
        device = Device(name=f"Totem {key}", kind='kiosk', site=site)
        device.save()
        wizard = Wizard('see.device.token', [device])
        FIXTURE[key] = wizard.form.token
        wizard.execute('end')


def api(path, data=None, token=None):
    "(status, JSON or text) of a request to the assistant's routes"
    headers = {'Content-Type': 'application/json'}
    if token:
        headers['X-Device-Token'] = token
    request = urllib.request.Request(
        f'{server.url}{server.database}/see_assistente/{path}',
        headers=headers,
        data=json.dumps(data).encode() if data is not None else None,
        method='POST' if data is not None else 'GET')
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        status = error.code
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


class AssistantApiTestCase(unittest.TestCase):
    "The routes refuse what they cannot answer, in Portuguese"

    def test_refusals(self):
        token = FIXTURE['api_token']
        status, data = api('kiosk/ask', {'question': ANSWERED})
        self.assertEqual(status, 403)
        status, data = api('kiosk/ask', {'question': '  '}, token)
        self.assertEqual((status, data['error']['message']),
            (400, "Escreva a sua pergunta ao assistente."))
        status, data = api('kiosk/ask', {'question': 'x' * 501}, token)
        self.assertEqual(status, 400)
        self.assertIn("500 caracteres", data['error']['message'])
        status, data = api('kiosk/ask', ['not', 'an', 'object'], token)
        self.assertEqual(status, 400)

        status, answer = api('kiosk/ask', {'question': ANSWERED}, token)
        self.assertEqual(status, 200)
        self.assertTrue(answer['answered'])
        # Another's token does not give feedback on the question
        status, data = api('kiosk/handover', {
                'question': answer['question'], 'token': 'wrong'}, token)
        self.assertEqual(status, 400)
        status, data = api('kiosk/feedback', {
                'question': answer['question'], 'token': answer['token'],
                'helpful': True}, token)
        self.assertEqual((status, data), (200, {'ok': True}))

        # The article's page; none for an article not published
        status, page = api(answer['article']['url'].split(
                '/see_assistente/', 1)[1])
        self.assertEqual(status, 200)
        self.assertIn(ANSWER_TITLE, page)
        status, _ = api('artigos/999999')
        self.assertEqual(status, 404)

    def test_rate_limited(self):
        "A kiosk asks at most [see_assistente] questions_per_minute (30)"
        token = FIXTURE['rate_token']
        statuses = [api('kiosk/ask', {'question': UNCOVERED}, token)[0]
            for _ in range(32)]
        self.assertEqual(statuses[-1], 429)
        self.assertNotIn(429, statuses[:25])


class AssistantBrowserTestCase(CitizenPageTestCase):
    "The kiosk's and the widget's assistant in one headless Chromium"

    def ask(self, question):
        from selenium.webdriver.common.by import By
        field = self.visible('#assistant-question')
        field.clear()
        field.send_keys(question)
        self.driver.find_element(By.ID, 'assistant-ask').click()

    def logged(self, question):
        "(answered, handed over) of the question in the log"
        rows = server.query("SELECT answered, handed_over "
            "FROM see_assistente_question WHERE question = %s "
            "ORDER BY id DESC LIMIT 1", (question,))
        return tuple(rows[0]) if rows else None

    def test_kiosk(self):
        """An answer with its passage and article; then a question the
        knowledge base does not cover, handed over to the ticket"""
        from selenium.webdriver.common.by import By
        driver = self.driver
        driver.get(f'{server.url}{server.database}/see_presencial/kiosk'
            f'#token={FIXTURE["kiosk_token"]}')
        self.visible('#issue-form')
        self.visible('#assistant')
        self.assertAccessible()

        self.ask(ANSWERED)
        self.text_in('#assistant-article', ANSWER_TITLE)
        passage = self.visible('.assistant-passage').text
        self.assertIn("segunda via", passage)
        link = driver.find_element(By.ID, 'assistant-link')
        self.assertRegex(link.get_attribute('href'),
            r'/see_assistente/artigos/\d+$')
        self.assertAccessible()
        self.assertEqual(self.logged(ANSWERED), (True, False))
        driver.find_element(By.ID, 'assistant-no').click()
        self.text_in('#assistant-helped-label', "Vamos melhorar")

        # The article answered is now a frequent question
        driver.refresh()
        self.visible('.assistant-frequent button')
        frequent = driver.find_element(
            By.CSS_SELECTOR, '.assistant-frequent button')
        self.assertEqual(frequent.text, ANSWER_TITLE)
        frequent.click()
        self.text_in('#assistant-article', ANSWER_TITLE)
        self.assertAccessible()

        self.ask(UNCOVERED)
        self.text_in('#assistant-result', "Não encontrei resposta")
        self.assertFalse(driver.find_elements(By.ID, 'assistant-answer'))
        self.visible('#assistant-handover').click()
        self.text_in('#assistant-result', "Retire sua senha")
        self.assertEqual(driver.switch_to.active_element.get_attribute('id'),
            'issue-title')
        self.wait(lambda d: self.logged(UNCOVERED) == (False, True))
        self.assertAccessible()

        # The article's page, for whoever follows the link
        driver.get(self.article_url(ANSWER_TITLE))
        self.text_in('h1', ANSWER_TITLE)
        self.assertIn("segunda via", driver.find_element(
                By.TAG_NAME, 'main').text)
        self.assertAccessible()

    def article_url(self, title):
        (article_id,), = server.query(
            "SELECT id FROM see_kb_article WHERE title = %s", (title,))
        return (f'{server.url}{server.database}'
            f'/see_assistente/artigos/{article_id}')

    def test_webchat_handover(self):
        """Not answered in the webchat: the citizen hands over and lands in
        the queue with the question typed"""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        driver = self.driver
        chat_url = f'{server.url}{server.database}/see_webchat/'
        driver.get(chat_url + 'embed.js')
        driver.execute_script('window.localStorage.clear();'
            'window.sessionStorage.clear();')
        driver.get(chat_url)
        self.visible('#identify')
        self.visible('#assistant')
        self.assertAccessible()

        self.ask(UNCOVERED)
        self.visible('#assistant-handover').click()
        # The chat opens again, without the assistant this time
        self.wait(lambda d: not d.find_elements(By.ID, 'assistant'))
        self.visible('#name')
        self.wait(lambda d: 'pergunta' not in d.current_url)
        self.assertEqual(self.logged(UNCOVERED), (False, True))

        self.visible('#name').send_keys(
            "Maria da Silva", Keys.TAB, "(81) 99876-5432")
        driver.find_element(By.ID, 'consent').send_keys(Keys.SPACE)
        driver.find_element(By.ID, 'identify-submit').send_keys(Keys.ENTER)
        self.visible('#services input').send_keys(Keys.SPACE)
        driver.find_element(By.ID, 'service-submit').send_keys(Keys.ENTER)
        self.text_in('#status', 'fila')
        text = self.visible('#text')
        self.assertEqual(text.get_attribute('value'), UNCOVERED)
        text.send_keys(Keys.ENTER)
        self.wait(lambda d: server.query(
                "SELECT s.state FROM see_chat_message m "
                "JOIN see_chat_session s ON s.id = m.session "
                "WHERE m.text = %s", (UNCOVERED,)) == [('waiting',)])
        # No axe-core check of the conversation itself: see_webchat's
        # message list (an <ol role="log">) fails "listitem", before and
        # without the assistant
