# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The supervisor's occupation and no-show figures against the
appointments they count, their files, and the day's agenda seen by an
agent and a supervisor"""
import datetime as dt
import io
import unittest

import openpyxl
import pypdf

from trytond import backend
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


def setup_site():
    """A unit open Monday to Friday 08:00-12:00 in Recife with a booking
    type of 30 minutes, 15 of buffer and 2 places: 5 slots, 10 places a
    day"""
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
        channel='in_person', number=None):
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
                'requester_cpf': '52998224725',
                'requester_email': 'maria@example.com',
                'state': state,
                'number': number,
                'confirm_date': start - dt.timedelta(days=2)
                if confirmed else None,
                'check_in_date': check_in,
                }])
    return appointment


class OccupationTestCase(unittest.TestCase):
    "The occupation figures and the agenda"

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
