# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The citizen's page of documents and the reviewer's page, on a real
server, in one headless Chromium.

The citizen uploads from the private link; the reviewer (logged in on the
review page) claims the task, draws a region on page 2 of the identity
document and rejects it; the citizen sees the reason and the mark over the
page and replaces the file. The citizen's page passes axe-core with no
serious or critical violation. Without a browser, `CitizenApiTestCase`
checks the token and the refusal of a disguised file over HTTP.
"""
import json
import os
import tempfile
import unittest
import urllib.error
import urllib.request

from tests.browser.chrome import TIMEOUT, CitizenPageTestCase, available
from tests.server import TrytonServer

server = TrytonServer()
FIXTURE = {}


def setUpModule():
    server.start()
    _fixture()


def tearDownModule():
    server.stop()


def make_pdf(pages):
    "A PDF of pages blank A4 pages"
    import io

    from pypdf import PdfWriter
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _fixture():
    "The checklist of the test server's service"
    admin = server.proteus('admin')
    Checklist = admin.get('see.document.checklist')
    Service = admin.get('see.service')
    checklist = Checklist(name="Documentos do serviço",
        service=Service(server.records['service']))
    checklist.items.new(name="Documento de identidade", max_pages=2,
        formats=['pdf', 'png'])
    checklist.items.new(name="Comprovante de residência", max_pages=1,
        formats=['pdf'])
    checklist.save()
    FIXTURE['checklist'] = checklist.id
    FIXTURE['items'] = {i.name: i.id for i in checklist.items}


def new_submission():
    "A protocol of the agent with its submission; return (id, link path)"
    agent = server.proteus('agent')
    Protocol = agent.get('see.protocol')
    Submission = agent.get('see.document.submission')
    protocol = Protocol(requester_name="Maria da Silva",
        requester_phone="81999990001",
        service=agent.get('see.service')(server.records['service']))
    protocol.save()
    submission = Submission(protocol=protocol,
        checklist=agent.get('see.document.checklist')(FIXTURE['checklist']))
    submission.save()
    return submission.id, (
        f'{server.database}/see_documentos/envio/{submission.token}')


def http(path, data=None, headers=None):
    "(status, JSON) of a request to the server"
    request = urllib.request.Request(server.url + path, data=data,
        headers=headers or {}, method='POST' if data is not None else 'GET')
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


class CitizenApiTestCase(unittest.TestCase):
    "The citizen's API over HTTP"

    def test_token(self):
        "A wrong token finds nothing; the right one only its submission"
        _, path = new_submission()
        status, data = http(path[:-5] + 'xxxxx/dados')
        self.assertEqual(status, 404)
        self.assertIn('link', data['error']['message'])
        status, data = http(path + '/dados')
        self.assertEqual(status, 200)
        self.assertEqual([i['name'] for i in data['items']],
            ["Documento de identidade", "Comprovante de residência"])
        self.assertEqual(data['state'], 'draft')

    def test_disguised_file(self):
        "A program named .pdf is refused by its content, nothing stored"
        submission_id, path = new_submission()
        item = FIXTURE['items']["Documento de identidade"]
        status, data = http(f'{path}/item/{item}',
            data=b'MZ\x90\x00' + b'\x00' * 300,
            headers={'X-File-Name': 'rg.pdf'})
        self.assertEqual(status, 400)
        self.assertIn('Windows executable', data['error']['message'])
        self.assertEqual(server.query(
                'SELECT COUNT(*) FROM see_document WHERE submission = %s',
                (submission_id,)), [(0,)])


class DocumentPagesBrowserTestCase(CitizenPageTestCase):
    "The citizen and the reviewer in one headless Chromium"

    @classmethod
    def setUpClass(cls):
        reason = available()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()
        cls.folder = tempfile.mkdtemp(prefix='see-documentos-')
        cls.files = {}
        for name, pages in [('rg.pdf', 2), ('comprovante.pdf', 1),
                ('rg-nitido.pdf', 2)]:
            path = os.path.join(cls.folder, name)
            with open(path, 'wb') as file:
                file.write(make_pdf(pages))
            cls.files[name] = path

    def upload(self, item, filename):
        "The citizen chooses the file of item and sends it"
        item_id = FIXTURE['items'][item]
        self.visible(f'#file-{item_id}').send_keys(self.files[filename])
        self.driver.find_element(
            'css selector', f'#item-{item_id} button[type=submit]').click()
        self.text_in('#status', f'Arquivo de "{item}" recebido.')

    def image_loaded(self, css):
        return self.wait(lambda d: d.execute_script(
                'const i = document.querySelector(arguments[0]);'
                'return i && i.complete && i.naturalWidth > 0;', css))

    def test_upload_review_replace(self):
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.support.ui import Select
        driver = self.driver
        submission_id, path = new_submission()

        # The citizen sends both documents
        driver.get(server.url + path)
        self.text_in('#state', 'Aguardando o cidadão')
        self.assertAccessible()
        self.upload("Documento de identidade", 'rg.pdf')
        self.upload("Comprovante de residência", 'comprovante.pdf')
        # The privacy notice's box is required, then recorded
        self.visible('#submit').click()
        self.text_in('#alert-text', 'Li e aceito o aviso de privacidade')
        self.driver.find_element(
            'css selector', 'label[for=consent]').click()
        self.visible('#submit').click()
        self.text_in('#state', 'Na fila de análise')
        self.assertEqual(server.query(
                "SELECT consent_version FROM see_document_submission "
                "WHERE id = %s", (submission_id,)), [('1',)])

        # The reviewer logs in on the review page and claims the task
        reviewer = server.users['reviewer']
        driver.get(f'{server.url}{server.database}/see_documentos/revisao')
        self.visible('#login-user').send_keys(reviewer.login)
        driver.find_element('id', 'login-password').send_keys(
            reviewer.password)
        driver.find_element('id', 'login-submit').click()
        self.visible('#queue button').click()
        self.text_in('#documents', 'rg.pdf')

        # Page 2 of the identity document: a region dragged, then rejected
        rg = driver.find_element(
            'xpath', '//ul[@id="documents"]/li[contains(., "rg.pdf")]/button')
        rg.click()
        Select(self.visible('#page')).select_by_value('2')
        self.image_loaded('#page-image')
        canvas = driver.find_element('id', 'canvas')
        driver.execute_script(
            'arguments[0].scrollIntoView({block: "center"});', canvas)
        width, height = canvas.size['width'], canvas.size['height']
        # From (20%, 30%) to (70%, 50%) of the page, offsets from its centre
        ActionChains(driver).move_to_element_with_offset(
            canvas, int(-0.3 * width), int(-0.2 * height)).click_and_hold(
            ).move_by_offset(int(0.5 * width), int(0.2 * height)).release(
            ).perform()
        self.text_in('#notice', 'Região marcada na página 2.')
        Select(driver.find_element('id', 'reason')).select_by_visible_text(
            'Ilegível')
        driver.find_element('id', 'note').send_keys("Foto borrada.")
        driver.find_element('id', 'reject').click()
        self.text_in('#notice', 'Documento de identidade: Devolvido.')
        driver.find_element('xpath', '//ul[@id="documents"]/li'
            '[contains(., "comprovante.pdf")]/button').click()
        self.visible('#approve').click()
        self.text_in('#notice', 'Comprovante de residência: Aprovado.')
        driver.find_element('id', 'conclude').click()
        self.text_in('#notice', 'Devolvido ao cidadão')

        (page, region), = server.query(
            "SELECT problem_page, problem_region FROM see_document "
            "WHERE submission = %s AND state = 'rejected'", (submission_id,))
        self.assertEqual(page, 2)
        left, top, region_width, region_height = map(
            float, region.split(','))
        self.assertAlmostEqual(left, 0.2, delta=0.03)
        self.assertAlmostEqual(top, 0.3, delta=0.03)
        self.assertAlmostEqual(region_width, 0.5, delta=0.03)
        self.assertAlmostEqual(region_height, 0.2, delta=0.03)

        # The citizen sees the reason and the mark over page 2
        driver.get(server.url + path)
        self.text_in('#state', 'Devolvido ao cidadão')
        self.text_in('.problem', 'Ilegível')
        self.text_in('.problem', 'Foto borrada. (página 2)')
        self.image_loaded('.preview img')
        mark = self.visible('.preview .mark')
        self.assertAlmostEqual(float(mark.get_attribute('style').split(
                    'left:')[1].split('%')[0]), left * 100, delta=0.01)
        self.assertAccessible()
        # The approved document cannot be replaced; the rejected one is
        items = FIXTURE['items']
        self.assertEqual(driver.find_elements(
                'id', f'file-{items["Comprovante de residência"]}'), [])
        self.upload("Documento de identidade", 'rg-nitido.pdf')
        self.driver.find_element(
            'css selector', 'label[for=consent]').click()
        self.visible('#submit').click()
        self.text_in('#state', 'Na fila de análise')
        self.assertEqual(sorted(server.query(
                    "SELECT filename, state FROM see_document "
                    "WHERE submission = %s", (submission_id,))), [
                ('comprovante.pdf', 'approved'),
                ('rg-nitido.pdf', 'pending'),
                ('rg.pdf', 'replaced'),
                ])
