# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import csv
import datetime as dt
import io
import random
import unittest

import openpyxl
import pypdf

from trytond.modules.see_documentos.content import ContentRefused, inspect
from trytond.modules.see_documentos.document import parse_region
from trytond.modules.see_documentos.submission import service_time
from trytond.modules.see_documentos.tests.files import (
    make_jpeg, make_pdf, make_png)
from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction
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
    # The booking type's checklist (agendamento.py) is checked with it
    extras = ['see_agendamento']

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


    @with_transaction()
    def test_report_figures(self):
        """The figures of submissions made here, in the lists and in the
        CSV, XLSX and PDF files, with the same numbers"""
        pool = Pool()
        Unit = pool.get('see.unit')
        Service = pool.get('see.service')
        Protocol = pool.get('see.protocol')
        Checklist = pool.get('see.document.checklist')
        Reason = pool.get('see.document.rejection.reason')
        Submission = pool.get('see.document.submission')
        Document = pool.get('see.document')
        User = pool.get('res.user')
        States = pool.get('see.document.report.state')
        Rejections = pool.get('see.document.report.rejection')
        Reviewers = pool.get('see.document.report.reviewer')

        unit, = Unit.create([{'name': "Gerência de Matrícula",
                    'code': 'GEMAT'}])
        service, = Service.create([{'name': "Matrícula", 'code': 'MAT',
                    'unit': unit.id}])
        checklist, = Checklist.create([{
                    'name': "Documentos da matrícula",
                    'service': service.id,
                    'review_target': dt.timedelta(hours=4),
                    'items': [('create', [
                                {'name': "Documento de identidade"},
                                {'name': "Histórico escolar",
                                    'formats': ['pdf']},
                                ])],
                    }])
        identity, record = checklist.items
        rui, lia = User.create([
                {'login': 'rui', 'name': "Rui"},
                {'login': 'lia', 'name': "Lia"}])
        illegible, = Reason.search([('code', '=', 'ILEGIVEL')])
        expired, = Reason.search([('code', '=', 'VENCIDO')])

        def submission(send=True):
            protocol, = Protocol.create([{
                        'requester_name': "Maria",
                        'requester_phone': '81999990001',
                        'service': service.id}])
            submission, = Submission.create([{
                        'protocol': protocol.id,
                        'checklist': checklist.id}])
            if send:
                for item in checklist.items:
                    submission.upload(item, 'documento.pdf', make_pdf(1))
                Submission.submit([submission])
            return submission

        def review(submission, reviewer, decisions):
            Submission._claim([submission], reviewer.id)
            with Transaction().set_user(reviewer.id):
                for document in Submission(submission.id).current_documents():
                    decision, reason = decisions[document.item]
                    Document.review([document], decision, reason=reason)
                Submission.conclude([Submission(submission.id)])

        draft = submission(send=False)
        submission()
        returned = submission()
        review(returned, rui, {
                identity: ('reject', illegible.id),
                record: ('reject', expired.id)})
        approved = submission()
        review(approved, rui, {
                identity: ('approve', None), record: ('approve', None)})
        other = submission()
        review(other, lia, {
                identity: ('reject', illegible.id), record: ('approve', None)})

        zone = pool.get('see.sla.calendar').agency_zone()
        today = dt.datetime.now(zone).date()
        context = {'from_date': today, 'to_date': today}
        with Transaction().set_context(context):
            states = {r.state: (r.submissions, r.cycles)
                for r in States.search([])}
            rejections = {(r.item.name, r.reason.code): r.rejections
                for r in Rejections.search([])}
            reviewers = {r.reviewer.login: (r.approved, r.rejected,
                    r.reviewed, r.within_target, r.over_target)
                for r in Reviewers.search([])}
        self.assertEqual(states, {
                'draft': (1, 0), 'submitted': (1, 1),
                'returned': (2, 2), 'approved': (1, 1)})
        self.assertEqual(rejections, {
                ("Documento de identidade", 'ILEGIVEL'): 2,
                ("Histórico escolar", 'VENCIDO'): 1})
        self.assertEqual(reviewers, {
                'rui': (2, 2, 2, 2, 0), 'lia': (1, 1, 1, 1, 0)})

        # A reviewer sees only the own row of the per-reviewer figures;
        # the supervisor sees every reviewer's
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')
        reviewers_group = Group(ModelData.get_id(
                'see_documentos', 'group_reviewer'))
        supervisors = Group(ModelData.get_id(
                'see_documentos', 'group_review_supervisor'))
        sofia, = User.create([{'login': 'sofia', 'name': "Sofia"}])
        User.write([rui, lia], {'groups': [('add', [reviewers_group.id])]},
            [sofia], {'groups': [('add', [supervisors.id])]})
        for user, logins in [(rui, ['rui']), (sofia, ['lia', 'rui'])]:
            with Transaction().set_user(user.id), \
                    Transaction().set_context(context, _check_access=True):
                self.assertEqual(sorted(r.reviewer.login
                        for r in Reviewers.search([])), logins)

        # The period leaves them out
        yesterday = today - dt.timedelta(days=1)
        with Transaction().set_context(
                from_date=yesterday, to_date=yesterday):
            self.assertEqual(States.search([]), [])
            self.assertEqual(Reviewers.search([]), [])

        # The files: the rows of the three lists, with the same numbers
        data = {'from_date': today, 'to_date': today}
        s_name, i_name, r_name = (service.rec_name, identity.rec_name,
            record.rec_name)
        expected = [
            [s_name, "Awaiting the Citizen", 1, 0],
            [s_name, "In the Review Queue", 1, 1],
            [s_name, "Returned to the Citizen", 2, 2],
            [s_name, "Approved", 1, 1],
            [s_name, i_name, illegible.rec_name, 2],
            [s_name, r_name, expired.rec_name, 1],
            [lia.rec_name, 1, 1, 1, 0, 1, 0],
            [rui.rec_name, 2, 2, 2, 0, 2, 0],
            ]
        expected = [[str(v) for v in row] for row in expected]
        names = {}
        for name in ['see.document.report', 'see.document.report.xlsx',
                'see.document.report.csv']:
            Report = pool.get(name, type='report')
            extension, content, _, names[name] = Report.execute([], data)
            with self.subTest(extension=extension):
                if extension == 'csv':
                    text = content.decode('utf-8-sig') if isinstance(
                        content, bytes) else content
                    rows = list(csv.reader(io.StringIO(text), delimiter=';'))
                elif extension == 'xlsx':
                    workbook = openpyxl.load_workbook(io.BytesIO(content))
                    rows = [[str(c) for c in row if c is not None]
                        for sheet in workbook.worksheets
                        for row in sheet.iter_rows(values_only=True)]
                else:
                    self.assertEqual(extension, 'pdf')
                    reader = pypdf.PdfReader(io.BytesIO(content))
                    text = ' '.join(' '.join(
                            p.extract_text() for p in reader.pages).split())
                    for row in expected:
                        self.assertIn(' '.join(row), text)
                    continue
                for row in expected:
                    self.assertIn(row, rows)
        self.assertTrue(all(n.endswith(today.strftime('%Y%m%d'))
                for n in names.values()))

        # The days are the agency's: created at 23:30 in Recife yesterday
        # (02:30 UTC today), the draft counts on yesterday
        late = dt.datetime.combine(yesterday, dt.time(23, 30), tzinfo=zone)
        table = Submission.__table__()
        Transaction().connection.cursor().execute(*table.update(
                [table.create_date],
                [late.astimezone(dt.timezone.utc).replace(tzinfo=None)],
                where=table.id == draft.id))
        for day, expected in [(yesterday, {'draft': (1, 0)}),
                (today, {'submitted': (1, 1), 'returned': (2, 2),
                        'approved': (1, 1)})]:
            with Transaction().set_context(from_date=day, to_date=day):
                self.assertEqual({r.state: (r.submissions, r.cycles)
                        for r in States.search([])}, expected)


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
