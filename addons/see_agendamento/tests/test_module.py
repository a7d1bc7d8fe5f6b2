# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond.modules.see_agendamento.exceptions import (
    BookingTypeValidationError)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


def next_monday():
    "A Monday at least two weeks ahead, within the test's horizon"
    day = dt.date.today() + dt.timedelta(days=14)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


class AgendamentoTestCase(ModuleTestCase):
    "Test the see_agendamento module"
    module = 'see_agendamento'

    def _booking_type(self, **values):
        """Enrolment at a unit open Monday to Friday 08:00-12:00 in Recife,
        without the holidays package"""
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
                    'calendar': calendar.id,
                    'services': [('create', [
                                {'service': service.id, 'prefix': 'MAT'}])],
                    }])
        booking, = BookingType.create([dict({
                        'name': "Matrícula", 'service': service.id,
                        'site': site.id, 'duration': 30, 'buffer': 15,
                        'minimum_notice': 60, 'maximum_horizon': 60,
                        'capacity': 2,
                        }, **values)])
        return booking

    @with_transaction()
    def test_grid(self):
        "Slots of duration and buffer fill the opening hours, in UTC"
        booking = self._booking_type()
        monday = next_monday()
        starts = [s for s, _ in booking.grid(monday, monday)]
        # 08:00 in Recife (UTC-3) is 11:00 UTC; the 11:45 slot would end
        # after closing time
        self.assertEqual([s.strftime('%H:%M') for s in starts],
            ['11:00', '11:45', '12:30', '13:15', '14:00'])
        saturday = monday + dt.timedelta(days=5)
        self.assertEqual(booking.grid(saturday, saturday), [])

    @with_transaction()
    def test_availability(self):
        """Holidays close the day; notice and horizon bound the slots; a
        slot is offered until its capacity is booked, holds included"""
        pool = Pool()
        Holiday = pool.get('see.sla.holiday')
        Appointment = pool.get('see.appointment')
        booking = self._booking_type()
        monday = next_monday()
        tuesday = monday + dt.timedelta(days=1)
        Holiday.create([{'date': tuesday, 'name': "Feriado municipal",
                    'calendar': booking.site.calendar.id}])
        slots = booking.availability(monday, tuesday)
        self.assertEqual(len(slots), 5)
        self.assertEqual({s[2] for s in slots}, {2})

        first = slots[0][0]
        Appointment.book(booking.id, 'in_person', first)
        self.assertEqual(booking.availability(monday, monday)[0][2], 1)
        Appointment.book(booking.id, 'in_person', first)
        self.assertNotIn(first,
            [s[0] for s in booking.availability(monday, monday)])

        # An expired hold frees its place
        later = dt.datetime.now() + dt.timedelta(minutes=11)
        self.assertIn(first, [s[0] for s in booking.availability(
                    monday, monday, now=later)])

        # Seen from the Sunday before, the notice hides nothing; from the
        # Monday at 08:30 the first slot is gone
        morning = dt.datetime.combine(monday, dt.time(11, 30))
        self.assertEqual([s[0].strftime('%H:%M') for s in
                booking.availability(monday, monday, now=morning)],
            ['12:30', '13:15', '14:00'])

    @with_transaction()
    def test_service_of_site(self):
        "A booking type books only a service offered at its site"
        pool = Pool()
        Service = pool.get('see.service')
        booking = self._booking_type()
        other, = Service.create([{'name': "Passe", 'code': 'PAS',
                    'unit': booking.service.unit.id}])
        with self.assertRaises(BookingTypeValidationError):
            booking.service = other
            booking.save()

    @with_transaction()
    def test_grid_kept_while_booked(self):
        "The slots of a type with appointments ahead do not move"
        pool = Pool()
        Appointment = pool.get('see.appointment')
        BookingType = pool.get('see.booking.type')
        booking = self._booking_type()
        BookingType.write([booking], {'duration': 20})
        monday = next_monday()
        start = booking.availability(monday, monday)[0][0]
        Appointment.book(booking.id, 'in_person', start)
        with self.assertRaises(BookingTypeValidationError):
            BookingType.write([booking], {'buffer': 0})
        BookingType.write([booking], {'capacity': 3})


del ModuleTestCase
