# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import random
import unittest

from trytond.modules.see_documentos.content import ContentRefused, inspect
from trytond.modules.see_documentos.document import parse_region
from trytond.modules.see_documentos.submission import service_time
from trytond.modules.see_documentos.tests.files import (
    make_jpeg, make_pdf, make_png)
from trytond import config
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, activate_module, drop_db, with_transaction)


class ContentTestCase(unittest.TestCase):
    "What a file is, read from its content"

    def test_pdf_pages(self):
        inspection = inspect(make_pdf(3))
        self.assertEqual(
            (inspection.format, inspection.pages, inspection.mimetype),
            ('pdf', 3, 'application/pdf'))
        self.assertEqual(len(inspection.sha256), 64)

    def test_images(self):
        self.assertEqual(inspect(make_png()).format, 'png')
        self.assertEqual(inspect(make_jpeg()).format, 'jpeg')

    def test_refused(self):
        cases = [
            (b'MZ\x90\x00' + b'\x00' * 100, "Windows executable"),
            (b'PK\x03\x04' + b'\x00' * 100, "ZIP archive or Office document"),
            (b'', "empty file"),
            (b'%PDF-1.7\nnot really a pdf', "damaged PDF"),
            (b'\x89PNG\r\n\x1a\n' + b'\x00' * 40, "damaged image"),
            (b'hello', "unknown content"),
            ]
        for data, kind in cases:
            with self.subTest(kind=kind):
                with self.assertRaises(ContentRefused) as context:
                    inspect(data)
                self.assertEqual(context.exception.args[0], kind)

    def test_region(self):
        self.assertEqual(parse_region('0.1,0.2,0.5,0.25'),
            (0.1, 0.2, 0.5, 0.25))
        for text in ['0.8,0.2,0.5,0.1', '0,0,0,0.1', 'a,b,c,d', '1,2,3']:
            with self.subTest(text=text):
                self.assertIsNone(parse_region(text))


class SeeDocumentosTestCase(ModuleTestCase):
    "Test see_documentos module"
    module = 'see_documentos'

    @with_transaction()
    def test_service_time(self):
        "The time to first review counts only the calendar's service hours"
        pool = Pool()
        Calendar = pool.get('see.sla.calendar')
        calendar, = Calendar.create([{
                    'name': "Expediente",
                    'start_time': dt.time(8, 0),
                    'end_time': dt.time(17, 0),
                    'monday': True, 'tuesday': True, 'wednesday': True,
                    'thursday': True, 'friday': True,
                    'timezone': 'America/Recife',
                    'holiday_country': None,
                    }])
        # Friday 16:00 Recife (19:00 UTC) to Monday 9:00 Recife (12:00 UTC):
        # one hour on Friday, one on Monday
        start = dt.datetime(2026, 3, 6, 19, 0)
        end = dt.datetime(2026, 3, 9, 12, 0)
        self.assertEqual(service_time(calendar, start, end),
            dt.timedelta(hours=2))
        self.assertEqual(service_time(None, start, end), end - start)
        self.assertEqual(service_time(calendar, end, start), dt.timedelta(0))


class CitizenPageTestCase(unittest.TestCase):
    "The citizen's routes through trytond's WSGI application"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('see_documentos')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def test_rate_limit(self):
        """An address gets 404 for a wrong token, then 429 once over the
        limit, with the message in Portuguese"""
        from werkzeug.test import Client

        from trytond.wsgi import app
        previous = config.get('see_documentos', 'address_rate', default=None)
        if not config.has_section('see_documentos'):
            config.add_section('see_documentos')
        config.set('see_documentos', 'address_rate', '3')
        # Back to the value before, or the default
        self.addCleanup(config.set, 'see_documentos', 'address_rate',
            previous or '60')
        client = Client(app)
        # Addresses of the documentation range, new on each run: counts of
        # an earlier run on the same database do not interfere
        address = '2001:db8::%x' % random.getrandbits(32)
        other = '2001:db8::%x' % random.getrandbits(32)
        path = f'/{DB_NAME}/see_documentos/envio/{"x" * 43}/dados'
        statuses = []
        for _ in range(5):
            response = client.get(path,
                environ_base={'REMOTE_ADDR': address})
            statuses.append(response.status_code)
        self.assertEqual(statuses, [404, 404, 404, 429, 429])
        self.assertIn('link', client.get(path, environ_base={
                    'REMOTE_ADDR': other}).get_json()[
                'error']['message'])


del ModuleTestCase
