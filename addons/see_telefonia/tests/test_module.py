# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import os
import shutil
import tempfile
import zipfile

from lxml import etree
from sql import Column

from trytond import backend, config
from trytond.modules.see_telefonia.ami import to_local, to_utc
from trytond.modules.see_telefonia.call import archive_path, recordings_path
from trytond.modules.see_telefonia.tests.tools import inbound_call
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class SeeTelefoniaTestCase(ModuleTestCase):
    "Test See Telefonia module"
    module = 'see_telefonia'
    extras = []

    def _server(self):
        pool = Pool()
        Server = pool.get('see.ami.server')
        server, = Server.create([{
                    'name': 'PABX', 'host': '10.0.0.5', 'user': 'see',
                    'secret': 's3cr3t',
                    }])
        return server

    @with_transaction()
    def test_incident_after_outage(self):
        "A connection down for 5 minutes opens one incident, ended at ready"
        pool = Pool()
        Server = pool.get('see.ami.server')
        Incident = pool.get('see.platform.incident')
        server = self._server()
        now = dt.datetime.now()

        Server.set_status(server.id, 'disconnected',
            now - dt.timedelta(minutes=4))
        self.assertEqual(Incident.search([]), [])
        self.assertEqual(Server(server.id).status, 'disconnected')

        down_since = (now - dt.timedelta(minutes=5, seconds=10)).replace(
            microsecond=0)
        Server.set_status(server.id, 'connecting', down_since)
        incident, = Incident.search([])
        self.assertEqual(incident.component, 'telephony')
        self.assertEqual(incident.start, down_since)
        self.assertIsNone(incident.end)
        self.assertIn('PABX', incident.description)
        self.assertEqual(Server(server.id).incident, incident)

        # Still down: the same incident
        Server.set_status(server.id, 'disconnected', down_since)
        self.assertEqual(len(Incident.search([])), 1)

        Server.set_status(server.id, 'ready')
        incident = Incident(incident.id)
        self.assertIsNotNone(incident.end)
        server = Server(server.id)
        self.assertEqual(server.status, 'ready')
        self.assertIsNone(server.incident)

    @with_transaction()
    def test_no_incident_out_of_service_hours(self):
        "An outage outside the server's service calendar is no incident"
        pool = Pool()
        Calendar = pool.get('see.sla.calendar')
        server = self._server()
        calendars = Calendar.search([])
        if not calendars:
            self.skipTest("no service calendar")
        server.calendar = calendars[0]
        server.save()
        # The first service hours of the last days
        today = dt.date.today()
        intervals = server.calendar.service_intervals(
            today - dt.timedelta(days=7), today - dt.timedelta(days=1))
        start, _ = intervals[0]
        outside = start - dt.timedelta(minutes=30)
        self.assertFalse(server.in_service_hours(
                outside, outside + dt.timedelta(minutes=10)))
        self.assertTrue(server.in_service_hours(
                start, start + dt.timedelta(minutes=10)))

    @with_transaction()
    def test_archive_recordings(self):
        "The monthly archive names recordings by protocol, by day"
        pool = Pool()
        Call = pool.get('see.call')
        Protocol = pool.get('see.protocol')
        folder = tempfile.mkdtemp(prefix='see-recordings-')
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        recordings = os.path.join(folder, 'monitor')
        archive = os.path.join(folder, 'archive')
        if not config.has_section('see_telefonia'):
            config.add_section('see_telefonia')
        for option, value, old in [
                ('recordings_path', recordings, recordings_path()),
                ('archive_path', archive, archive_path())]:
            config.set('see_telefonia', option, value)
            self.addCleanup(config.set, 'see_telefonia', option, old)
        for name in ['2024/04/10/a.wav', '2024/04/30/b.wav',
                '2024/03/31/c.wav', '2024/04/12/d.wav', '2024/04/30/e.wav',
                '2024/03/31/f.wav']:
            path = os.path.join(recordings, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'wb') as file:
                file.write(b'RIFF' + name.encode())
        server = self._server()
        protocol, = Protocol.create([{
                    'channel': 'telefone',
                    'requester_name': "Maria",
                    'description': "Matrícula",
                    }])
        calls = Call.create([{
                    'server': server.id, 'linkedid': linkedid,
                    'arrival_date': arrival, 'recording': recording,
                    'protocol': protocol_id,
                    } for linkedid, arrival, recording, protocol_id in [
                    ('1.1', dt.datetime(2024, 4, 10, 14), '2024/04/10/a.wav',
                        protocol.id),
                    # An absolute path under the recordings folder
                    ('1.2', dt.datetime(2024, 4, 30, 23, 50),
                        os.path.join(recordings, '2024/04/30/b.wav'), None),
                    ('1.3', dt.datetime(2024, 3, 31, 12),
                        '2024/03/31/c.wav', None),
                    # Its file is gone: counted as missing, not archived
                    ('1.4', dt.datetime(2024, 4, 11, 12),
                        '2024/04/11/gone.wav', None),
                    # Outside the recordings folder: never read
                    ('1.5', dt.datetime(2024, 4, 12, 12),
                        '../../../etc/passwd', None),
                    # 22:30 on 30/04 in Recife (the default zone) is
                    # 01:30 UTC on 01/05: April's, on the 30th
                    ('1.6', dt.datetime(2024, 5, 1, 1, 30),
                        '2024/04/30/e.wav', None),
                    # 23:00 on 31/03 in Recife: March's
                    ('1.7', dt.datetime(2024, 4, 1, 2),
                        '2024/03/31/f.wav', None),
                    ]])
        self.assertEqual(len(calls), 7)

        name = Call.archive_recordings(dt.date(2024, 5, 3))

        self.assertEqual(name, os.path.join(archive, 'gravacoes-2024-04.zip'))
        with zipfile.ZipFile(name) as zip_:
            self.assertEqual(sorted(zip_.namelist()), [
                    '2024/04/10/%s.wav' % protocol.number,
                    '2024/04/30/1.2.wav',
                    '2024/04/30/1.6.wav',
                    ])
            self.assertEqual(zip_.read('2024/04/30/1.2.wav'),
                b'RIFF2024/04/30/b.wav')
        self.assertFalse(os.path.exists(name + '.part'))

        # The daily task writes a month once: the next days keep it
        written = os.stat(name).st_mtime_ns
        os.remove(os.path.join(recordings, '2024/04/10/a.wav'))
        self.assertEqual(Call.archive_recordings(dt.date(2024, 5, 4)), name)
        self.assertEqual(os.stat(name).st_mtime_ns, written)

    @with_transaction()
    def test_port_without_grouping(self):
        "The AMI port reads 5038, not 5.038, in the form and the list"
        pool = Pool()
        Server = pool.get('see.ami.server')
        for view_type in ['form', 'tree']:
            arch = etree.fromstring(
                Server.fields_view_get(view_type=view_type)['arch'])
            field, = arch.xpath('//field[@name="port"]')
            self.assertEqual(field.get('grouping'), '0', view_type)

    @with_transaction()
    def test_archive_schedule(self):
        "The archive runs every day at a fixed hour (3.1.1.10)"
        pool = Pool()
        Cron = pool.get('ir.cron')
        cron, = Cron.search([('method', '=', 'see.call|archive_recordings')])
        self.assertEqual((cron.interval_number, cron.interval_type,
                cron.hour, cron.minute), (1, 'days', 6, 0))

    @with_transaction()
    def test_panel_today_is_the_agency_day(self):
        "The panel's today starts at midnight in the agency's zone"
        pool = Pool()
        Call = pool.get('see.call')
        Queue = pool.get('see.telephony.queue')
        Panel = pool.get('see.telephony.panel.queue')
        server = self._server()
        queue, = Queue.create([{'server': server.id, 'name': 'matricula'}])
        zone = server.zone
        self.assertEqual(str(zone), 'America/Recife')
        midnight = to_utc(dt.datetime.combine(
                to_local(dt.datetime.now(), zone).date(), dt.time()), zone)
        minute = dt.timedelta(minutes=1)
        Call.create([{
                    'server': server.id, 'linkedid': linkedid,
                    'direction': 'inbound', 'queue': queue.id,
                    'queue_name': 'matricula', 'arrival_date': at,
                    'queue_date': at, 'hangup_date': at + minute,
                    'disposition': 'abandoned',
                    } for linkedid, at in [
                    ('yesterday', midnight - 2 * minute),
                    ('today', midnight + minute)]])
        panel, = Panel.search([('queue', '=', queue.id)])
        self.assertEqual((panel.received, panel.abandoned), (1, 1))

    @with_transaction()
    def test_statistics_agency_hours(self):
        "The statistics' days and hours are the agency's, not UTC's"
        pool = Pool()
        Call = pool.get('see.call')
        Queue = pool.get('see.telephony.queue')
        Statistics = pool.get('see.call.statistics')
        server = self._server()
        queue, = Queue.create([{'server': server.id, 'name': 'matricula'}])
        minute = dt.timedelta(minutes=1)
        # 22:30 of 30/11 in Recife is 01:30 of 01/12 in UTC
        Call.create([{
                    'server': server.id, 'linkedid': linkedid,
                    'direction': 'inbound', 'queue': queue.id,
                    'queue_name': 'matricula', 'arrival_date': at,
                    'queue_date': at, 'hangup_date': at + minute,
                    'disposition': 'abandoned',
                    } for linkedid, at in [
                    ('late', dt.datetime(2025, 12, 1, 1, 30)),
                    ('morning', dt.datetime(2025, 11, 30, 11, 0)),
                    ('next day', dt.datetime(2025, 12, 1, 11, 0))]])
        november = dt.date(2025, 11, 30)
        with Transaction().set_context(
                from_date=november, to_date=november):
            rows = Statistics.search([], order=[('hour', 'ASC')])
        expected = [8, 22] if backend.name == 'postgresql' else [1, 11]
        self.assertEqual([(r.hour, r.received) for r in rows],
            [(h, 1) for h in expected])

    @with_transaction()
    def test_call_history(self):
        "Each version of a call the connector stores is in its history"
        pool = Pool()
        Call = pool.get('see.call')
        if backend.name != 'postgresql':
            self.skipTest("calls are stored on PostgreSQL only")
        server = self._server()
        events = inbound_call('1712757600.1', dt.datetime(2024, 4, 10, 14),
            '81987650001', ivr=10, wait=20, talk=120, agent='1001')
        # The caller waits in the queue, then the agent answers
        Call.ingest(server.id, events[:4])
        Call.ingest(server.id, events[4:])

        call, = Call.search([])
        history = Call.__table_history__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*history.select(
                history.disposition, history.talk_seconds,
                where=history.id == call.id,
                order_by=[Column(history, '__id').asc]))
        self.assertEqual(cursor.fetchall(),
            [('in_progress', None), ('answered', 120)])


del ModuleTestCase
