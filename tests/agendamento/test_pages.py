# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The citizens' booking pages on a real server, with a real SMTP server.

- `BookingApiTestCase` (no browser): two citizens racing over HTTP for the
  last place of a slot get one hold and one clear message; a bad CPF is
  refused with its message and nothing is booked; the private link
  reschedules and cancels; the kiosk checks a booked citizen in by CPF
  and issues the scheduled ticket; an unknown token is 404.
- `KioskCheckInBrowserTestCase` (one headless Chromium): on see_presencial's
  kiosk page, "Tenho agendamento" takes the appointment's code from the
  keyboard, says what is wrong with an empty or unknown one, and prints
  the ticket of the appointment's time; axe-core finds nothing serious.
- `BookingPageBrowserTestCase` (one headless Chromium): a citizen books a
  slot on the public page, gets the protocol number and the private link,
  receives the confirmation e-mail, and sees the appointment from the
  link. Each page passes axe-core with no serious or critical violation.
- `VideoRoomBrowserTestCase` (two headless Chromium with a fake camera and
  microphone): the agent opens the room of a video appointment, the
  citizen joins from the link; each side decodes the other's video frames
  (getStats); their chat reaches both pages and the protocol; the
  citizen's consent to record is stored and shown to the agent.
"""
import datetime as dt
import json
import socket
import threading
import unittest
import urllib.error
import urllib.request
from email import message_from_bytes, policy

from trytond.modules.see_agendamento.tests.tools import always_open_site

from tests.browser.chrome import AXE, TIMEOUT, CitizenPageTestCase, available
from tests.server import TrytonServer

GOOD_CPF = '529.982.247-25'
BAD_CPF = '123.456.789-00'
INBOX = []
FIXTURE = {}


class _Inbox:
    async def handle_DATA(self, server, session, envelope):
        INBOX.append(
            message_from_bytes(envelope.content, policy=policy.default))
        return '250 Message accepted'


def _smtp():
    from aiosmtpd.controller import Controller
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    controller = Controller(_Inbox(), hostname='127.0.0.1', port=port)
    controller.start()
    return controller, port


smtp, SMTP_PORT = _smtp()
server = TrytonServer(config={'email': {
            'uri': f'smtp://127.0.0.1:{SMTP_PORT}',
            'from': 'agendamento@see.pe.gov.br'}})


def setUpModule():
    server.start()
    _fixture()


def tearDownModule():
    server.stop()
    smtp.stop()


def _fixture():
    """A unit open every day all day (the test runs at any hour) offering
    enrolment, booked in person or by video, one citizen a slot"""
    booking, site = always_open_site(server.proteus('admin'),
        server.records['service'], "Recife Centro", 'RC', channel='both',
        duration=30, maximum_horizon=2, capacity=1)
    FIXTURE.update({'type': booking.id, 'site': site.id})


def api(path, data=None):
    "(status, JSON) of a request to the booking pages' API"
    url = f'{server.url}{server.database}/see_agendamento/api/{path}'
    request = urllib.request.Request(url,
        headers={'Content-Type': 'application/json'},
        data=json.dumps(data).encode() if data is not None else None,
        method='POST' if data is not None else 'GET')
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def free_slots():
    status, data = api(f'slots?type={FIXTURE["type"]}')
    assert status == 200, data
    return [s for d in data['days'] for s in d['slots']]


def kiosk_token():
    "The token of a new kiosk of the site"
    from proteus import Wizard
    admin = server.proteus('admin')
    Device = admin.get('see.device')
    device = Device(name="Totem", kind='kiosk',
        site=admin.get('see.site')(FIXTURE['site']))
    device.save()
    wizard = Wizard('see.device.token', [device])
    token = wizard.form.token
    wizard.execute('end')
    return token


class BookingApiTestCase(unittest.TestCase):

    def test_race_for_a_slot(self):
        "Two citizens at once for the same slot: one hold, one message"
        slot = free_slots()[-1]
        barrier = threading.Barrier(2)
        answers = []

        def hold():
            barrier.wait(timeout=TIMEOUT)
            answers.append(api('hold', {'type': FIXTURE['type'],
                        'channel': 'in_person', 'start': slot['start']}))

        threads = [threading.Thread(target=hold) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=TIMEOUT)
        statuses = sorted(status for status, _ in answers)
        self.assertEqual(statuses, [201, 400])
        message, = [a['error']['message'] for s, a in answers if s == 400]
        self.assertIn("acabou de ser ocupado por outro cidadão", message)
        self.assertNotIn(slot['start'], [s['start'] for s in free_slots()])
        (count,), = server.query(
            "SELECT COUNT(*) FROM see_appointment WHERE start = %s "
            "AND state = 'draft'",
            (dt.datetime.fromisoformat(slot['start'].rstrip('Z')),))
        self.assertEqual(count, 1)

    def test_bad_cpf(self):
        "A bad CPF is refused with its message; the hold stays a hold"
        slot = free_slots()[-2]
        status, data = api('hold', {'type': FIXTURE['type'],
                'channel': 'video', 'start': slot['start']})
        self.assertEqual(status, 201)
        token = data['token']
        status, data = api(f'appointment/{token}/confirm', {
                'name': "Carla", 'cpf': BAD_CPF,
                'email': 'carla@example.com', 'consent': True})
        self.assertEqual(status, 400)
        self.assertIn("CPF", data['error']['message'])
        status, data = api(f'appointment/{token}')
        self.assertEqual(data['appointment']['state'], 'draft')

    def test_consent_required(self):
        """Without the privacy notice's box the booking is refused, naming
        the box; with it the notice's version and date are recorded"""
        slot = free_slots()[-3]
        status, data = api('hold', {'type': FIXTURE['type'],
                'channel': 'in_person', 'start': slot['start']})
        token = data['token']
        values = {'name': "Vera Lins", 'cpf': GOOD_CPF,
            'email': 'vera@example.com'}
        status, data = api(f'appointment/{token}/confirm', values)
        self.assertEqual(status, 400)
        self.assertIn('"Li e aceito o aviso de privacidade"',
            data['error']['message'])
        status, data = api(f'appointment/{token}')
        self.assertEqual(data['appointment']['state'], 'draft')
        status, data = api(f'appointment/{token}/confirm',
            dict(values, consent=True))
        self.assertEqual(status, 200, data)
        (version, accepted), = server.query(
            "SELECT consent_version, consent_date IS NOT NULL "
            "FROM see_appointment WHERE number = %s",
            (data['appointment']['number'],))
        self.assertEqual((version, accepted), ('1', True))
        api(f'appointment/{token}/cancel', {})

    def test_reschedule_and_cancel(self):
        "From the private link: reschedule frees the old slot, cancel ends"
        first, second = free_slots()[-4:-2]
        status, data = api('hold', {'type': FIXTURE['type'],
                'channel': 'in_person', 'start': first['start']})
        token = data['token']
        status, data = api(f'appointment/{token}/confirm', {
                'name': "Rita Gomes", 'cpf': GOOD_CPF,
                'phone': '+55 81 99999-0000', 'consent': True})
        self.assertEqual(status, 200, data)
        self.assertEqual(data['appointment']['state'], 'confirmed')
        status, data = api(f'appointment/{token}/reschedule',
            {'start': second['start']})
        self.assertEqual(status, 200, data)
        self.assertEqual(data['appointment']['start'], second['start'])
        starts = [s['start'] for s in free_slots()]
        self.assertIn(first['start'], starts)
        self.assertNotIn(second['start'], starts)
        status, data = api(f'appointment/{token}/cancel', {})
        self.assertEqual(data['appointment']['state'], 'cancelled')
        self.assertIn(second['start'], [s['start'] for s in free_slots()])
        status, data = api(f'appointment/{token}/cancel', {})
        self.assertEqual(status, 400)
        self.assertIn("não pode mais ser cancelado", data['error']['message'])

    def test_kiosk_check_in(self):
        "At the kiosk, the booked citizen's CPF gives a scheduled ticket"
        token = kiosk_token()
        slot = free_slots()[0]
        status, data = api('hold', {'type': FIXTURE['type'],
                'channel': 'in_person', 'start': slot['start']})
        booking = data['token']
        status, data = api(f'appointment/{booking}/confirm', {
                'name': "Lia Costa", 'cpf': '111.444.777-35',
                'email': 'lia@example.com', 'consent': True})
        self.assertEqual(status, 200, data)

        def check_in(cpf):
            url = (f'{server.url}{server.database}'
                '/see_agendamento/kiosk/check_in')
            request = urllib.request.Request(url, method='POST',
                data=json.dumps({'cpf': cpf}).encode(), headers={
                    'X-Device-Token': token,
                    'Content-Type': 'application/json'})
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
                    return r.status, json.load(r)
            except urllib.error.HTTPError as error:
                return error.code, json.load(error)

        # A CPF of nobody's appointment
        status, data = check_in('714.602.380-01')
        self.assertEqual(status, 400)
        self.assertIn("Nenhum agendamento para hoje",
            data['error']['message'])
        status, data = check_in('11144477735')
        self.assertEqual(status, 201, data)
        self.assertRegex(data['ticket']['number'], r'^MAT-\d{3}$')
        (state, scheduled), = server.query(
            "SELECT a.state, t.scheduled_time FROM see_appointment a "
            "JOIN see_ticket t ON t.id = a.ticket WHERE a.token = %s",
            (booking,))
        self.assertEqual(state, 'checked_in')
        self.assertEqual(scheduled, dt.datetime.fromisoformat(
                slot['start'].rstrip('Z')))
        # Once only
        self.assertEqual(check_in('11144477735')[0], 400)

    def test_required_documents(self):
        """The booking type's checklist (see_documentos) is listed on the
        appointment's private page"""
        admin = server.proteus('admin')
        Checklist = admin.get('see.document.checklist')
        BookingType = admin.get('see.booking.type')
        checklist = Checklist(name="Documentos da matrícula",
            service=admin.get('see.service')(server.records['service']))
        checklist.items.new(name="Documento de identidade",
            formats=['pdf', 'png'])
        checklist.items.new(name="Laudo médico", formats=['pdf'],
            required=False)
        checklist.save()
        booking_type = BookingType(FIXTURE['type'])
        booking_type.document_checklist = checklist
        booking_type.save()
        try:
            slot = free_slots()[-5]
            status, data = api('hold', {'type': FIXTURE['type'],
                    'channel': 'in_person', 'start': slot['start']})
            self.assertEqual(status, 201, data)
            status, data = api(f'appointment/{data["token"]}')
            self.assertEqual(status, 200, data)
            self.assertEqual(data['appointment']['documents'],
                ["Documento de identidade", "Laudo médico (opcional)"])
        finally:
            booking_type.document_checklist = None
            booking_type.save()

    def test_unknown_token(self):
        status, data = api('appointment/nothing-here')
        self.assertEqual(status, 404)
        self.assertIn("não encontrado", data['error']['message'])


class BookingPageBrowserTestCase(CitizenPageTestCase):
    "The booking page and the private page in one headless Chromium"

    @classmethod
    def setUpClass(cls):
        reason = available()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()

    def test_book_a_slot(self):
        """The citizen chooses the service, a day and a time, identifies
        and gets the protocol, the link and the e-mail"""
        from selenium.webdriver.common.by import By
        driver = self.driver
        driver.set_window_size(390, 844)  # a phone
        driver.get(f'{server.url}{server.database}/see_agendamento/book')
        self.wait(lambda d: d.find_element(By.TAG_NAME, 'body')
            .get_attribute('data-ready') == '1')
        label = self.visible(f'label[for="type-{FIXTURE["type"]}"]')
        self.assertIn("Matrícula", label.text)
        self.assertAccessible()
        label.click()
        self.visible('#channel-step')
        day = self.visible('#days button')
        day.click()
        self.assertEqual(day.get_attribute('aria-pressed'), 'true')
        slot = self.visible('#slots button')
        start = slot.get_attribute('data-start')
        slot.click()
        self.visible('#identify')
        self.assertIn("reservado para você",
            driver.find_element(By.ID, 'held').text)
        self.assertAccessible()

        # A bad CPF is caught before it is sent
        driver.find_element(By.ID, 'name').send_keys("Joana Souza")
        driver.find_element(By.ID, 'cpf').send_keys(BAD_CPF)
        driver.find_element(By.ID, 'email').send_keys('joana@example.com')
        driver.find_element(By.ID, 'confirm').click()
        self.visible('#cpf-error')
        self.assertEqual(
            driver.find_element(By.ID, 'cpf').get_attribute('aria-invalid'),
            'true')
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support import expected_conditions as EC
        cpf = driver.find_element(By.ID, 'cpf')
        cpf.clear()
        cpf.send_keys(GOOD_CPF + Keys.TAB)
        # The message goes when the field is left
        self.wait(EC.invisibility_of_element_located((By.ID, 'cpf-error')))
        # The privacy notice's box is required
        driver.find_element(By.CSS_SELECTOR, 'label[for=consent]').click()
        driver.find_element(By.ID, 'confirm').click()

        number = self.visible('#done-number').text
        self.assertRegex(number, r'^AG\d+$')
        self.assertAccessible()
        link = driver.find_element(By.ID, 'done-link').get_attribute('href')
        (state, cpf_stored, email), = server.query(
            "SELECT state, requester_cpf, requester_email "
            "FROM see_appointment WHERE number = %s", (number,))
        self.assertEqual((state, cpf_stored, email),
            ('confirmed', '52998224725', 'joana@example.com'))
        self.assertNotIn(start, [s['start'] for s in free_slots()])

        # The confirmation e-mail, with the same private link
        self.wait(lambda d: any(m['To'] == 'joana@example.com'
                    for m in INBOX))
        message, = [m for m in INBOX if m['To'] == 'joana@example.com']
        self.assertIn(number, message['Subject'])
        text = message.get_body(('plain',)).get_content()
        self.assertIn(link.split('/see_agendamento/')[1], text)

        # The private page of the appointment
        driver.get(link)
        self.wait(lambda d: d.find_element(By.ID, 'number').text == number)
        self.assertEqual(driver.find_element(By.ID, 'state').text,
            "Confirmado")
        self.visible('#manage')
        self.assertAccessible()


    def test_service_chosen_from_link(self):
        """The assistant's link, book?service=ID, opens the page with the
        service's booking type chosen and its days shown"""
        from selenium.webdriver.common.by import By
        driver = self.driver
        driver.get(f'{server.url}{server.database}/see_agendamento/book'
            f'?service={server.records["service"]}')
        self.wait(lambda d: d.find_element(By.TAG_NAME, 'body')
            .get_attribute('data-ready') == '1')
        self.assertTrue(driver.find_element(
                By.ID, f'type-{FIXTURE["type"]}').is_selected())
        self.visible('#days button')
        self.assertAccessible()


class KioskCheckInBrowserTestCase(CitizenPageTestCase):
    "The kiosk page of see_presencial checks a booked citizen in"

    @classmethod
    def setUpClass(cls):
        reason = available()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()

    def book_now(self):
        """The number of an appointment of the first slot, of a type of its
        own (the other tests take the first slots of theirs)"""
        admin = server.proteus('admin')
        BookingType = admin.get('see.booking.type')
        booking = BookingType(name="Matrícula (totem)",
            service=admin.get('see.service')(server.records['service']),
            site=admin.get('see.site')(FIXTURE['site']),
            channel='in_person', duration=30, buffer=0, minimum_notice=0,
            maximum_horizon=2, capacity=5)
        booking.save()
        status, data = api(f'slots?type={booking.id}')
        self.assertEqual(status, 200, data)
        slot = [s for d in data['days'] for s in d['slots']][0]
        status, data = api('hold', {'type': booking.id,
                'channel': 'in_person', 'start': slot['start']})
        self.assertEqual(status, 201, data)
        status, data = api(f'appointment/{data["token"]}/confirm', {
                'name': "Rui Lima", 'cpf': '390.533.447-05',
                'email': 'rui@example.com', 'consent': True})
        self.assertEqual(status, 200, data)
        return data['appointment']['number']

    def test_check_in(self):
        """The citizen opens "Tenho agendamento", types the code and gets
        the ticket of the appointment's time"""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        number = self.book_now()
        driver = self.driver
        driver.get(f'{server.url}{server.database}/see_presencial/kiosk'
            f'#token={kiosk_token()}')
        self.visible('#issue-form')
        self.assertAccessible()
        self.visible('#check-in-open').click()
        code = self.visible('#code')
        self.assertEqual(driver.switch_to.active_element, code)

        # Nothing typed: the field says what to type
        driver.find_element(By.ID, 'check-in').click()
        self.text_in('#code-error', "código do agendamento")
        self.assertEqual(code.get_attribute('aria-invalid'), 'true')
        # An unknown code: the message says what to do
        code.send_keys('AG1900000001' + Keys.ENTER)
        self.text_in('#check-in-error', "Nenhum agendamento para hoje")
        self.assertEqual(code.get_attribute('aria-invalid'), 'false')
        self.assertAccessible()

        # From the keyboard, in lower case: the ticket of the appointment
        code.clear()
        code.send_keys(number.lower() + Keys.ENTER)
        self.text_in('#receipt-priority', "Agendado, horário")
        self.assertRegex(self.visible('#receipt-number').text,
            r'^MAT-\d{3}$')
        self.assertAccessible()
        (state, ticket), = server.query(
            "SELECT a.state, t.number FROM see_appointment a "
            "JOIN see_ticket t ON t.id = a.ticket WHERE a.number = %s",
            (number,))
        self.assertEqual(state, 'checked_in')
        self.assertEqual(ticket,
            driver.find_element(By.ID, 'receipt-number').text)

        # Back to the form for the next citizen
        driver.find_element(By.ID, 'again').click()
        self.visible('#issue-form')
        self.assertTrue(driver.find_element(By.ID, 'check-in-form')
            .get_attribute('hidden'))


MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    # Two browsers on one machine: plain host candidates, loopback allowed
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required']


class VideoRoomBrowserTestCase(unittest.TestCase):
    """The agent and the citizen, each in a headless Chromium with a fake
    camera and microphone, see each other and chat"""

    @classmethod
    def setUpClass(cls):
        import shutil
        import tempfile

        from tests.browser.chrome import new_driver
        reason = available()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()
        cls.drivers = {}
        for side in ['agent', 'citizen']:
            profile = tempfile.mkdtemp(prefix='see-chromium-')
            cls.addClassCleanup(shutil.rmtree, profile, ignore_errors=True)
            driver = new_driver(profile, MEDIA)
            cls.addClassCleanup(driver.quit)
            cls.drivers[side] = driver
        with open(AXE) as file:
            cls.axe = file.read()

    def wait(self, driver, condition, timeout=TIMEOUT):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(
            condition)

    def book_video(self):
        "A confirmed video appointment and its room opened by the agent"
        slot = free_slots()[0]
        status, data = api('hold', {'type': FIXTURE['type'],
                'channel': 'video', 'start': slot['start']})
        self.assertEqual(status, 201, data)
        token = data['token']
        status, data = api(f'appointment/{token}/confirm', {
                'name': "Paulo Lima", 'cpf': GOOD_CPF,
                'email': 'paulo@example.com', 'consent': True})
        self.assertEqual(status, 200, data)
        agent = server.proteus('agent')
        Appointment = agent.get('see.appointment')
        appointment, = Appointment.find(
            [('number', '=', data['appointment']['number'])])
        action = Appointment._proxy.start_video([appointment.id],
            agent.config.context)
        appointment.reload()
        self.assertEqual(appointment.protocol.channel, 'video')
        self.assertTrue(action['url'].endswith(appointment.room_token))
        return appointment, token

    def frames(self, driver):
        return driver.execute_async_script(
            'const done = arguments[arguments.length - 1];'
            'window.seeVideo ? seeVideo.framesDecoded().then(done, '
            '() => done(0)) : done(0);')

    def test_video_room(self):
        from selenium.webdriver.common.by import By
        appointment, token = self.book_video()
        agent, citizen = self.drivers['agent'], self.drivers['citizen']
        base = f'{server.url}{server.database}/see_agendamento/video/'
        citizen.get(base + token)
        agent.get(base + appointment.room_token)

        # Video frames reach each side
        for driver in [agent, citizen]:
            self.wait(driver, lambda d: self.frames(d) > 0)
        self.assertEqual(agent.execute_script('return seeVideo.state()'),
            'connected')

        # The chat, on both pages and on the protocol
        for driver, text in [(citizen, "Bom dia, consegue me ouvir?"),
                (agent, "Bom dia, Paulo. Sim, perfeitamente.")]:
            driver.find_element(By.ID, 'chat-text').send_keys(text)
            driver.find_element(By.ID, 'chat-send').click()
        for driver in [agent, citizen]:
            self.wait(driver, lambda d: len(d.find_elements(
                        By.CSS_SELECTOR, '#messages li')) == 2)
        rows = server.query(
            "SELECT c.side, c.text FROM see_appointment_chat c "
            "JOIN see_appointment a ON a.id = c.appointment "
            "WHERE a.id = %s AND c.protocol = a.protocol ORDER BY c.id",
            (appointment.id,))
        self.assertEqual([tuple(r) for r in rows], [
                ('citizen', "Bom dia, consegue me ouvir?"),
                ('agent', "Bom dia, Paulo. Sim, perfeitamente.")])

        # The citizen answers the consent to record; the agent sees it.
        # The answer has its own date: the privacy notice's stays.
        query = ("SELECT recording_consent, recording_consent_date, "
            "consent_date FROM see_appointment WHERE id = %s")
        (_, _, notice_date), = server.query(query, (appointment.id,))
        citizen.find_element(By.ID, 'consent-yes').click()
        self.wait(agent, lambda d: 'autorizada' in d.find_element(
                By.ID, 'consent-status').text)
        (consent, answered, notice_after), = server.query(
            query, (appointment.id,))
        self.assertEqual(consent, 'granted')
        self.assertIsNotNone(answered)
        self.assertEqual(notice_after, notice_date)

        # The citizen's page is accessible
        citizen.execute_script(self.axe)
        violations = citizen.execute_async_script(
            'const done = arguments[arguments.length - 1];'
            'axe.run(document).then(r => done(r.violations.filter('
            'v => ["serious", "critical"].includes(v.impact))'
            '.map(v => v.id)));')
        self.assertEqual(violations, [])
