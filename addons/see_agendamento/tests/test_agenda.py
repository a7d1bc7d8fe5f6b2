# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The supervisor's occupation and no-show figures against the
appointments they count, their files, the day's agenda seen by an agent
and a supervisor, the check-in at the kiosk and the STUN/TURN settings"""
import datetime as dt
import io
import unittest

import openpyxl
import pypdf

from trytond import backend
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

MINUTE = dt.timedelta(minutes=1)


def past_monday():
    "A Monday of a past week"
    today = dt.date.today()
    return today - dt.timedelta(days=today.weekday() + 14)


def setup_site(always_open=False):
    """A unit open Monday to Friday 08:00-12:00 in Recife (or always) with
    a booking type of 30 minutes, 15 of buffer and 2 places: 5 slots, 10
    places a day"""
    pool = Pool()
    Unit = pool.get('see.unit')
    Service = pool.get('see.service')
    Site = pool.get('see.site')
    Calendar = pool.get('see.sla.calendar')
    BookingType = pool.get('see.booking.type')
    unit, = Unit.create([{'name': "Gerência", 'code': 'GREC'}])
    service, = Service.create([{
                'name': "Matrícula", 'code': 'MAT', 'unit': unit.id}])
    calendar, = Calendar.create([{
                'name': "Manhãs", 'start_time': dt.time(8, 0),
                'end_time': dt.time(12, 0),
                'monday': True, 'tuesday': True, 'wednesday': True,
                'thursday': True, 'friday': True,
                'timezone': 'America/Recife', 'holiday_country': None,
                }])
    if always_open:
        calendar.start_time = dt.time(0, 0)
        calendar.end_time = dt.time(23, 59, 59)
        calendar.saturday = calendar.sunday = True
        calendar.save()
    site, = Site.create([{
                'name': "Unidade Recife", 'code': 'REC',
                'timezone': 'America/Recife',
                'calendar': calendar.id,
                'services': [('create', [
                            {'service': service.id, 'prefix': 'MAT'}])],
                }])
    booking, = BookingType.create([{
                'name': "Matrícula presencial", 'service': service.id,
                'site': site.id, 'channel': 'both', 'duration': 30,
                'buffer': 15, 'capacity': 2, 'late_tolerance': 15,
                }])
    return booking


def make(booking, start, state, confirmed=True, check_in=None,
        channel='in_person', number=None, cpf='52998224725'):
    "An appointment of booking at start as its workflow leaves it"
    Appointment = Pool().get('see.appointment')
    appointment, = Appointment.create([{
                'booking_type': booking.id,
                'site': booking.site.id,
                'service': booking.service.id,
                'channel': channel,
                'start': start,
                'end': start + dt.timedelta(minutes=booking.duration),
                'requester_name': "Maria",
                'requester_cpf': cpf,
                'requester_email': 'maria@example.com',
                'state': state,
                'number': number,
                'confirm_date': start - dt.timedelta(days=2)
                if confirmed else None,
                'check_in_date': check_in,
                }])
    return appointment


class OccupationTestCase(unittest.TestCase):
    "The occupation figures, the agenda and the kiosk"

    @classmethod
    def setUpClass(cls):
        activate_module('see_agendamento')

    def _figures(self, booking):
        """The appointments of a past week: the Monday's figures are
        offered 10, booked 5, checked in 2, late 1, no-show 1, cancelled
        1, attended 1"""
        monday = past_monday()
        # 08:00 in Recife is 11:00 UTC
        first = dt.datetime.combine(monday, dt.time(11, 0))
        slot = dt.timedelta(minutes=45)
        make(booking, first, 'done', check_in=first - 10 * MINUTE)
        make(booking, first, 'checked_in', check_in=first + 5 * MINUTE)
        make(booking, first + slot, 'no_show')
        make(booking, first + slot, 'cancelled')
        # An expired hold and a hold are not bookings
        make(booking, first + 2 * slot, 'cancelled', confirmed=False)
        make(booking, first + 2 * slot, 'draft', confirmed=False)
        make(booking, first + 3 * slot, 'confirmed', channel='video')
        # 23:00 on Monday in Recife is Tuesday in UTC
        make(booking, dt.datetime.combine(
                monday + dt.timedelta(days=1), dt.time(2, 0)), 'confirmed')
        return monday

    @with_transaction()
    def test_figures_and_drill_down(self):
        """Each count of a row is the number of appointments its button
        opens in the tab of the count"""
        pool = Pool()
        Occupation = pool.get('see.appointment.occupation')
        Appointment = pool.get('see.appointment')
        ModelData = pool.get('ir.model.data')
        ActWindow = pool.get('ir.action.act_window')
        booking = setup_site()
        monday = self._figures(booking)
        sunday = monday + dt.timedelta(days=6)
        with Transaction().set_context(
                from_date=monday, to_date=sunday, site=booking.site.id):
            rows = Occupation.search([])
            self.assertEqual([r.day for r in rows],
                [monday + dt.timedelta(days=d) for d in range(5)])
            first = rows[0]
            figures = {n: getattr(first, n) for n in [
                    'offered', 'booked', 'checked_in', 'late', 'no_show',
                    'cancelled', 'attended', 'occupation']}
            late_night = 5 if backend.name != 'sqlite' else 4
            self.assertEqual(figures, {
                    'offered': 10, 'booked': late_night, 'checked_in': 2,
                    'late': 1, 'no_show': 1, 'cancelled': 1, 'attended': 1,
                    'occupation': late_night * 10.0,
                    })
            self.assertEqual([(r.offered, r.booked) for r in rows[1:]],
                [(10, 0)] * 4 if late_night == 5
                else [(10, 1)] + [(10, 0)] * 3)

            action = Occupation.open_appointments([first])
            self.assertEqual(action['res_model'], 'see.appointment')
            domain = PYSONDecoder().decode(action['pyson_domain'])
            act, = ActWindow.browse([ModelData.get_id(
                        'see_agendamento', 'act_occupation_appointments')])
            tabs = sorted(act.act_window_domains, key=lambda t: t.sequence)
            counts = ['booked', 'checked_in', 'late', 'no_show',
                'cancelled', 'attended']
            self.assertEqual(len(tabs), len(counts) + 1)
            for tab, name in zip(tabs, counts):
                with self.subTest(tab=tab.name):
                    self.assertEqual(Appointment.search(
                            domain + PYSONDecoder().decode(tab.domain),
                            count=True), figures[name])
            # The All tab: every appointment of the day, holds included
            self.assertEqual(Appointment.search(domain, count=True),
                late_night + 3)

    @with_transaction()
    def test_reports(self):
        "The CSV, XLSX and PDF files give the rows' figures"
        pool = Pool()
        booking = setup_site()
        monday = self._figures(booking)
        data = {'from_date': monday, 'to_date': monday,
            'site': booking.site.id}
        booked = 5 if backend.name != 'sqlite' else 4
        # Site, day, booking type, offered, booked, checked in, late,
        # no-show, cancelled, attended, occupation
        expected = [booking.site.rec_name, monday.strftime('%d/%m/%Y'),
            booking.rec_name, '10', str(booked), '2', '1', '1', '1', '1',
            str(booked * 10)]
        for name in ['see.appointment.occupation.report',
                'see.appointment.occupation.report.xlsx',
                'see.appointment.occupation.report.csv']:
            Report = pool.get(name, type='report')
            extension, content, _, filename = Report.execute([], data)
            with self.subTest(extension=extension):
                self.assertTrue(filename.endswith(
                        monday.strftime('%Y%m%d')))
                if extension == 'csv':
                    text = content.decode('utf-8-sig')
                    self.assertIn(';'.join(expected), text)
                elif extension == 'xlsx':
                    workbook = openpyxl.load_workbook(io.BytesIO(content))
                    rows = [['%g' % c if isinstance(c, (int, float))
                                else str(c) for c in row if c is not None]
                        for row in workbook.active.iter_rows(
                            values_only=True)]
                    self.assertIn(expected, rows)
                else:
                    self.assertEqual(extension, 'pdf')
                    reader = pypdf.PdfReader(io.BytesIO(content))
                    text = ' '.join(' '.join(
                            p.extract_text() for p in reader.pages).split())
                    self.assertIn(' '.join(expected[3:]), text)

    @with_transaction()
    def test_agenda_access(self):
        """The desk agent sees today's appointments of the site and those
        at the desk; the supervisor of the site sees the figures of the
        site only; a desk agent has no figures"""
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        Desk = pool.get('see.site.desk')
        Site = pool.get('see.site')
        Appointment = pool.get('see.appointment')
        Occupation = pool.get('see.appointment.occupation')
        booking = setup_site()
        site = booking.site

        def group(xml_id):
            module, name = xml_id.split('.')
            return Group(ModelData.get_id(module, name))
        agent, supervisor, other = User.create([{
                    'name': n, 'login': n,
                    'groups': [('add', [group(g).id])],
                    } for n, g in [
                    ('agent', 'see_presencial.group_desk_agent'),
                    ('supervisor', 'see_presencial.group_site_supervisor'),
                    ('other', 'see_presencial.group_site_supervisor'),
                    ]])
        Desk.create([{'site': site.id, 'name': "Guichê 1", 'number': 1,
                    'services': [('add', [booking.service.id])],
                    'agents': [('add', [agent.id])]}])
        Site.write([site], {'supervisors': [('add', [supervisor.id])]})

        now = dt.datetime.now().replace(second=0, microsecond=0)
        today = make(booking, now, 'confirmed')
        tomorrow = make(booking, now + dt.timedelta(days=1), 'confirmed')
        self.assertTrue(today.today)
        self.assertFalse(tomorrow.today)
        agenda = [('today', '=', True)]
        with Transaction().set_user(agent.id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(Appointment.search(agenda), [today])
            self.assertEqual(Appointment.search(
                    agenda + [('at_my_desk', '=', True)]), [today])
            self.assertEqual(Appointment.search(
                    agenda + [('mine', '=', True)]), [])
            with self.assertRaises(AccessError):
                Occupation.search([])
        context = {'from_date': today.day, 'to_date': today.day,
            '_check_access': True}
        with Transaction().set_user(supervisor.id), \
                Transaction().set_context(context):
            self.assertEqual(Appointment.search(agenda), [today])
            self.assertEqual(Appointment.search(
                    agenda + [('at_my_desk', '=', True)]), [])
            row, = Occupation.search([])
            self.assertEqual(row.booked, 1)
        with Transaction().set_user(other.id), \
                Transaction().set_context(context):
            self.assertEqual(Appointment.search(agenda), [])
            self.assertEqual(Occupation.search([]), [])

    @with_transaction()
    def test_kiosk_check_in(self):
        """At the kiosk, the appointment's number or the CPF checks the
        citizen in; too early, too late and not found are told apart"""
        pool = Pool()
        Device = pool.get('see.device')
        Appointment = pool.get('see.appointment')
        booking = setup_site(always_open=True)
        site = booking.site
        device, = Device.create([{
                    'name': "Totem", 'kind': 'kiosk', 'site': site.id}])
        at = dt.datetime.combine(
            dt.date.today() + dt.timedelta(days=7), dt.time(15, 0))
        early = make(booking, at + dt.timedelta(hours=3), 'confirmed',
            number='AG2026000101')
        late = make(booking, at - dt.timedelta(hours=1), 'confirmed',
            number='AG2026000102', cpf='11144477735')

        def refusal(code, now=at):
            with self.assertRaises(UserError) as context:
                Appointment.check_in_at_kiosk(device, code, now=now)
            return context.exception.message
        self.assertIn("code", refusal(' '))
        self.assertIn("not valid", refusal('123.456.789-00'))
        self.assertIn(site.rec_name, refusal('AG2026009999'))
        # Lower case and the opening of check-in two hours before
        message = refusal('ag2026000101')
        self.assertIn(site.format_local(early.start)[-5:], message)
        self.assertIn(site.format_local(
                early.start - dt.timedelta(hours=2))[-5:], message)
        # The tolerance of 15 minutes is over
        message = refusal('111.444.777-35')
        self.assertIn(site.format_local(
                late.start + dt.timedelta(minutes=15))[-5:], message)
        self.assertEqual((early.state, late.state),
            ('confirmed', 'confirmed'))

        # Now, by CPF: the ticket of the appointment's time
        start = dt.datetime.now().replace(microsecond=0) + dt.timedelta(
            minutes=30)
        current = make(booking, start, 'confirmed', number='AG2026000103',
            cpf='39053344705')
        ticket = Appointment.check_in_at_kiosk(device, '390.533.447-05')
        self.assertEqual(current.state, 'checked_in')
        self.assertEqual(current.ticket, ticket)
        self.assertEqual(ticket.scheduled_time, start)
        self.assertEqual(ticket.receipt()['scheduled'],
            site.format_local(start)[-5:])
        self.assertTrue(Pool().get('see.ticket').kiosk_options(
                device)['check_in'])


class IceServersTestCase(unittest.TestCase):
    "The STUN/TURN settings the video rooms get"

    NAMES = ['ice_servers', 'ice_secret', 'ice_username', 'ice_credential',
        'ice_ttl']

    def setUp(self):
        from trytond import config
        if not config.has_section('see_agendamento'):
            config.add_section('see_agendamento')
        saved = {n: config.get('see_agendamento', n) for n in self.NAMES}

        def restore():
            for name, value in saved.items():
                # An empty value is no value for ice_servers()
                config.set('see_agendamento', name, value or (
                        '28800' if name == 'ice_ttl' else ''))
        self.addCleanup(restore)
        self.config = config

    def test_ice_servers(self):
        """None on a local network; fixed credentials; or credentials of
        coturn's shared secret that expire"""
        import base64
        import hashlib
        import hmac

        from trytond.modules.see_agendamento.video import ice_servers
        config = self.config
        for name in ['ice_servers', 'ice_secret', 'ice_username']:
            config.set('see_agendamento', name, '')
        self.assertEqual(ice_servers(), [])
        urls = 'stun:turn.example.org:3478 turn:turn.example.org:3478'
        config.set('see_agendamento', 'ice_servers', urls)
        config.set('see_agendamento', 'ice_username', 'sala')
        config.set('see_agendamento', 'ice_credential', 'fixa')
        self.assertEqual(ice_servers(), [{'urls': urls.split(),
                    'username': 'sala', 'credential': 'fixa'}])
        config.set('see_agendamento', 'ice_secret', 'segredo')
        config.set('see_agendamento', 'ice_ttl', '600')
        server, = ice_servers(now=1000)
        self.assertEqual(server['username'], '1600:sala')
        self.assertEqual(server['credential'], base64.b64encode(hmac.new(
                    b'segredo', b'1600:sala', hashlib.sha1).digest()
                ).decode())
