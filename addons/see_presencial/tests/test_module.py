# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import unittest

from trytond import backend
from trytond.modules.see_presencial.exceptions import (
    SiteClosedError, TicketError, TicketValidationError)
from trytond.modules.see_presencial.queue_rule import (
    Candidate, order_queue, pick_next)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

NOW = dt.datetime(2026, 3, 2, 10, 0)


def at(minutes):
    "The time minutes after 9:00 of the test day"
    return dt.datetime(2026, 3, 2, 9, 0) + dt.timedelta(minutes=minutes)


# Waiting tickets of the cases: arrival at 9:00 + minutes, weight, scheduled
N1 = Candidate(1, at(0))
N2 = Candidate(2, at(3))
N3 = Candidate(3, at(4))
P60 = Candidate(4, at(1), 10)
P80 = Candidate(5, at(5), 20)
P60_LATE = Candidate(6, at(2), 10)
DUE = Candidate(7, at(30), 0, at(55))          # 9:55, due at 10:00
DUE_EARLIER = Candidate(8, at(40), 0, at(50))  # 9:50, arrived later
NOT_DUE = Candidate(9, at(-30), 0, at(90))     # 10:30, came early
TIE_A = Candidate(10, at(6))
TIE_B = Candidate(11, at(6))
TRANSFERRED = Candidate(12, at(-10))           # kept its 8:50 arrival

P, N, S = 'priority', 'normal', 'scheduled'

# (description, candidates, recent calls, priority:normal ratio, expected)
CASES = [
    ("nobody waits", [], [], (2, 1), None),
    ("only normal tickets: first arrived",
        [N2, N1, N3], [], (2, 1), N1),
    ("only priority tickets: highest weight though later",
        [P60, P80], [], (2, 1), P80),
    ("same weight: first arrived",
        [P60_LATE, P60], [], (2, 1), P60),
    ("both wait, no call yet: priority first",
        [N1, P60], [], (2, 1), P60),
    ("2:1 after one priority call: priority again",
        [N1, P60], [P], (2, 1), P60),
    ("2:1 after two priority calls: normal",
        [N1, P60], [P, P], (2, 1), N1),
    ("2:1 after P, P, N: priority",
        [N1, P60], [P, P, N], (2, 1), P60),
    ("1:1 after one priority call: normal",
        [N1, P60], [P], (1, 1), N1),
    ("2:2 after one normal call: normal",
        [N1, P60], [P, N], (2, 2), N1),
    ("2:2 after two normal calls: priority",
        [N1, P60], [N, N], (2, 2), P60),
    ("long run of normal calls with only normals waiting, then a priority",
        [N1, P60], [N, N, N, N], (2, 1), P60),
    ("scheduled calls do not count in the ratio",
        [N1, P60], [P, P, S], (2, 1), N1),
    ("a due scheduled ticket goes before any priority",
        [P80, DUE, N1], [], (2, 1), DUE),
    ("two due scheduled tickets: the earliest time first",
        [DUE, DUE_EARLIER], [], (2, 1), DUE_EARLIER),
    ("a scheduled ticket before its time queues as normal",
        [NOT_DUE, N1], [], (2, 1), NOT_DUE),
    ("a scheduled ticket before its time waits behind priority",
        [NOT_DUE, P60], [], (2, 1), P60),
    ("equal arrivals: issue order",
        [TIE_B, TIE_A], [], (2, 1), TIE_A),
    ("a transferred ticket keeps its place ahead of later arrivals",
        [N1, N2, TRANSFERRED], [], (2, 1), TRANSFERRED),
    ]


class QueueRuleTestCase(unittest.TestCase):
    "Test the queue-ordering rule"

    def test_cases(self):
        "Test the next ticket of each case of the table"
        for description, candidates, recent, ratio, expected in CASES:
            with self.subTest(description):
                candidate, class_ = pick_next(
                    candidates, NOW, recent, *ratio)
                self.assertEqual(candidate, expected)
                if expected is None:
                    self.assertIsNone(class_)

    def test_order_two_to_one(self):
        "Test a whole queue at 2 priority : 1 normal"
        self.assertEqual(
            order_queue([N1, N2, N3, P60, P80, P60_LATE], NOW, [], 2, 1),
            # P80, P60, N1, P60_LATE, then the normals left
            [5, 4, 1, 6, 2, 3])

    def test_order_one_to_one(self):
        "Test a whole queue at 1 priority : 1 normal"
        self.assertEqual(
            order_queue([N1, N2, N3, P60, P80, P60_LATE], NOW, [], 1, 1),
            [5, 1, 4, 2, 6, 3])


class SeePresencialTestCase(ModuleTestCase):
    "Test See Presencial module"
    module = 'see_presencial'
    # The indicators of sla.py are registered only with see_sla
    extras = ['see_sla']

    def _site(self, code='REC'):
        pool = Pool()
        Unit = pool.get('see.unit')
        Service = pool.get('see.service')
        Site = pool.get('see.site')
        unit, = Unit.create([{'name': "Gerência", 'code': 'G' + code}])
        enrolment, free_pass = Service.create([{
                    'name': "Matrícula", 'code': 'MAT' + code,
                    'unit': unit.id,
                    }, {
                    'name': "Passe Livre", 'code': 'PASSE' + code,
                    'unit': unit.id,
                    }])
        site, = Site.create([{
                    'name': "Unidade %s" % code, 'code': code,
                    'services': [('create', [
                                {'service': enrolment.id, 'prefix': 'mat'},
                                {'service': free_pass.id, 'prefix': 'PAS'},
                                ])],
                    }])
        return site, enrolment, free_pass

    def _calendar(self, **values):
        "A calendar of Recife, Monday to Friday 08:00-19:00 unless values"
        pool = Pool()
        Calendar = pool.get('see.sla.calendar')
        calendar, = Calendar.create([dict({
                        'name': "Dias úteis", 'kind': 'rotineiro',
                        'start_time': dt.time(8, 0),
                        'end_time': dt.time(19, 0),
                        'monday': True, 'tuesday': True, 'wednesday': True,
                        'thursday': True, 'friday': True,
                        'saturday': False, 'sunday': False,
                        'timezone': 'America/Recife',
                        'holiday_country': 'BR',
                        'holiday_subdivision': 'PE',
                        }, **values)])
        return calendar

    @with_transaction()
    def test_site_opening_hours(self):
        "Test a site is open by its calendar and says when it opens again"
        site, _, _ = self._site()
        utc = dt.datetime
        # Without calendar a site is always open
        self.assertTrue(site.is_open(utc(2024, 3, 6, 3)))
        site.check_open(utc(2024, 3, 6, 3))
        site.calendar = self._calendar()
        site.save()
        # Tuesday 5 March 2024, 10:00 in Recife (13:00 UTC)
        self.assertTrue(site.is_open(utc(2024, 3, 5, 13)))
        self.assertEqual(site.closing_time(utc(2024, 3, 5, 13)),
            utc(2024, 3, 5, 22))
        self.assertEqual(site.next_opening(utc(2024, 3, 5, 13)),
            utc(2024, 3, 5, 13))
        site.check_open(utc(2024, 3, 5, 13))
        # 19:30 in Recife: closed until Thursday 08:00 (the 6th is a holiday)
        self.assertFalse(site.is_open(utc(2024, 3, 5, 22, 30)))
        self.assertEqual(site.next_opening(utc(2024, 3, 5, 22, 30)),
            utc(2024, 3, 7, 11))
        with self.assertRaises(SiteClosedError) as context:
            site.check_open(utc(2024, 3, 5, 22, 30))
        self.assertIn("Unidade REC", context.exception.message)
        self.assertIn("03/07/2024 08:00", context.exception.message)
        # On the state holiday: the holiday is named
        with self.assertRaises(SiteClosedError) as context:
            site.check_open(utc(2024, 3, 6, 13))
        self.assertIn("Revolução Pernambucana", context.exception.message)
        self.assertIn("03/07/2024 08:00", context.exception.message)
        # 03:00 UTC on Monday is Sunday in Recife: opens Monday 08:00
        with self.assertRaises(SiteClosedError) as context:
            site.check_open(utc(2024, 3, 11, 3))
        self.assertIn("03/11/2024 08:00", context.exception.message)

    @with_transaction()
    def test_ticket_refused_when_closed(self):
        """Test no ticket is issued at a site closed now: on its holiday
        or with no opening hours at all, whatever the time of the run"""
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Holiday = pool.get('see.sla.holiday')
        site, enrolment, _ = self._site()
        every_day = {d: True for d in ['monday', 'tuesday', 'wednesday',
                'thursday', 'friday', 'saturday', 'sunday']}
        site.calendar = self._calendar(
            start_time=dt.time(0, 0), end_time=dt.time(23, 59, 59),
            holiday_country=None, **every_day)
        site.save()
        ticket, = Ticket.create([{'site': site.id, 'service': enrolment.id}])
        self.assertEqual(ticket.number, 'MAT-001')
        today = site.calendar.local_date(dt.datetime.now())
        Holiday.create([{'date': today, 'name': "Feriado municipal",
                    'calendar': site.calendar.id}])
        with self.assertRaises(SiteClosedError) as context:
            Ticket.create([{'site': site.id, 'service': enrolment.id,
                        'scheduled_time': dt.datetime.now()}])
        self.assertIn("Feriado municipal", context.exception.message)
        site.calendar = self._calendar(
            name="Nunca", **{d: False for d in every_day})
        site.save()
        with self.assertRaises(SiteClosedError) as context:
            Ticket.create([{'site': site.id, 'service': enrolment.id}])
        self.assertIn("Nunca", context.exception.message)

    @with_transaction()
    def test_close_past_days(self):
        """Test the tickets of yesterday left open are closed by the cron,
        once, and today's are left"""
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Event = pool.get('see.ticket.event')
        Desk = pool.get('see.site.desk')
        Protocol = pool.get('see.protocol')
        Classification = pool.get('see.classification')
        Cron = pool.get('ir.cron')
        user = Transaction().user
        site, enrolment, _ = self._site()
        desk_a, desk_b, desk_c = Desk.create([{
                    'site': site.id, 'name': "Guichê %s" % n,
                    'services': [('add', [enrolment.id])],
                    'agents': [('add', [user])],
                    } for n in 'ABC'])
        tickets = Ticket.create(
            [{'site': site.id, 'service': enrolment.id}] * 5)
        suspended, open_, ended, called, waiting = tickets
        for ticket, desk in [(suspended, desk_a), (open_, desk_a),
                (ended, desk_b), (called, desk_c)]:
            Ticket.call([ticket], desk.id)
            if ticket != called:
                Ticket.start([ticket])
            if ticket == suspended:
                Ticket.suspend([ticket])
        protocol = ended.protocol
        classification, = Classification.search(
            [('code', '=', 'PADRAO')])
        protocol.requester_name = "Antônia"
        protocol.requester_phone = "(81) 99999-0080"
        protocol.save()
        if protocol.state == 'draft':
            Protocol.start([protocol])
        protocol.classification = classification
        protocol.answer = "Orientada no balcão."
        protocol.save()
        Protocol.resolve([protocol])
        yesterday = site.today() - dt.timedelta(days=1)
        Ticket.write(tickets, {'day': yesterday})
        today, = Ticket.create([{'site': site.id, 'service': enrolment.id}])

        # As the scheduler runs it
        cron, = Cron.search([('method', '=', 'see.ticket|close_past_days')])
        Cron.run_once([cron])
        self.assertEqual(
            [Ticket(t.id).state for t in tickets + [today]],
            ['cancelled', 'attending', 'finished', 'cancelled', 'cancelled',
                'waiting'])
        for ticket in [suspended, called, waiting]:
            ticket = Ticket(ticket.id)
            self.assertEqual(ticket.cancel_reason, "end of the day")
            self.assertEqual(ticket.events[-1].action, 'close_day')
            self.assertTrue(ticket.end_date)
        self.assertEqual(Ticket(ended.id).events[-1].action, 'close_day')
        self.assertEqual(Ticket(ended.id).end_date,
            Protocol(protocol.id).end_date)
        # The open protocol and its ticket are left to the desk
        self.assertIn(Ticket(open_.id).protocol.state, {'draft', 'attending'})
        # Desk C is free again
        self.assertIsNone(Desk(desk_c.id).current_ticket)
        count = Event.search_count([])
        Ticket.close_past_days()
        self.assertEqual(Event.search_count([]), count)

    @with_transaction()
    def test_close_day_button(self):
        """Test the supervisor closes today's tickets of a site after its
        closing time, not while it is open"""
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Site = pool.get('see.site')
        site, enrolment, _ = self._site()
        waiting, = Ticket.create([{'site': site.id, 'service': enrolment.id}])
        every_day = {d: True for d in ['monday', 'tuesday', 'wednesday',
                'thursday', 'friday', 'saturday', 'sunday']}
        site.calendar = self._calendar(
            start_time=dt.time(0, 0), end_time=dt.time(23, 59, 59),
            holiday_country=None, **every_day)
        site.save()
        with self.assertRaises(SiteClosedError):
            Site.close_day([site])
        self.assertEqual(Ticket(waiting.id).state, 'waiting')
        # Without calendar, the supervisor says when the day ends
        site.calendar = None
        site.save()
        Site.close_day([site])
        self.assertEqual(Ticket(waiting.id).state, 'cancelled')
        Site.close_day([site])
        self.assertEqual(len(Ticket(waiting.id).events), 2)

    @with_transaction()
    def test_numbers(self):
        "Test the numbers follow a prefix per service and restart each day"
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Counter = pool.get('see.ticket.counter')
        site, enrolment, free_pass = self._site()
        tickets = Ticket.create([
                {'site': site.id, 'service': enrolment.id},
                {'site': site.id, 'service': enrolment.id},
                {'site': site.id, 'service': free_pass.id},
                ])
        self.assertEqual(
            [t.number for t in tickets], ['MAT-001', 'MAT-002', 'PAS-001'])
        self.assertEqual({t.day for t in tickets}, {site.today()})
        self.assertEqual(
            Counter.next_number(site, enrolment, site.today()), 3)
        tomorrow = site.today() + dt.timedelta(days=1)
        self.assertEqual(Counter.next_number(site, enrolment, tomorrow), 1)

    @with_transaction()
    def test_requester_cpf(self):
        "Test the CPF is validated and stored as digits"
        pool = Pool()
        Ticket = pool.get('see.ticket')
        site, enrolment, _ = self._site()
        ticket, = Ticket.create([{
                    'site': site.id, 'service': enrolment.id,
                    'requester_name': "Maria",
                    'requester_cpf': '529.982.247-25'}])
        self.assertEqual(ticket.requester_cpf, '52998224725')
        self.assertEqual(ticket.requester_cpf_shown, '529.982.247-25')
        with self.assertRaises(TicketValidationError):
            Ticket.create([{'site': site.id, 'service': enrolment.id,
                        'requester_cpf': '529.982.247-24'}])
        # Typed in the form's field, stored as digits
        Ticket.write([ticket], {'requester_cpf_shown': '111.444.777-35'})
        self.assertEqual(ticket.requester_cpf, '11144477735')
        self.assertEqual(Ticket.search(
                [('requester_cpf_shown', '=', '111.444.777-35')]), [ticket])
        with self.assertRaises(TicketValidationError):
            Ticket.write([ticket], {'requester_cpf_shown': '111.444.777-36'})

    @with_transaction()
    def test_service_offered(self):
        "Test a ticket is issued only for a service of the site"
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Service = pool.get('see.service')
        site, enrolment, _ = self._site()
        other, = Service.create([{'name': "Outro", 'code': 'OUTRO',
                    'unit': enrolment.unit.id}])
        with self.assertRaises(TicketValidationError):
            Ticket.create([{'site': site.id, 'service': other.id}])

    @unittest.skipUnless(backend.name == 'postgresql',
        "SQLite serializes every writer")
    @with_transaction()
    def test_numbers_concurrent(self):
        """Test two transactions issuing in the same queue never get the
        same number: the later fails, to be retried, and gets the next"""
        pool = Pool()
        Counter = pool.get('see.ticket.counter')
        Site = pool.get('see.site')
        Service = pool.get('see.service')
        Unit = pool.get('see.unit')
        transaction = Transaction()
        with transaction.new_transaction() as setup:
            site, enrolment, _ = self._site('CONC')
            ids = site.id, enrolment.id, enrolment.unit.id
            day = site.today()
            setup.commit()
        try:
            with transaction.new_transaction() as later:
                site, service = Site(ids[0]), Service(ids[1])
                # Its snapshot is taken before the other one commits
                Counter.search([])
                with transaction.new_transaction() as earlier:
                    self.assertEqual(Counter.next_number(
                            Site(ids[0]), Service(ids[1]), day), 1)
                    earlier.commit()
                with self.assertRaises(backend.DatabaseOperationalError):
                    Counter.next_number(site, service, day)
                later.rollback()
            with transaction.new_transaction() as retried:
                self.assertEqual(Counter.next_number(
                        Site(ids[0]), Service(ids[1]), day), 2)
                retried.commit()
        finally:
            with transaction.new_transaction() as cleanup:
                Site.delete([Site(ids[0])])
                Service.delete(Service.search([('unit', '=', ids[2])]))
                Unit.delete([Unit(ids[2])])
                cleanup.commit()

    @unittest.skipUnless(backend.name == 'postgresql',
        "SQLite serializes every writer")
    @with_transaction()
    def test_desk_calls_serialized(self):
        """Test two calls at the same desk at once never leave two tickets
        called there: the later fails, to be retried, and finds it busy"""
        pool = Pool()
        Site = pool.get('see.site')
        Service = pool.get('see.service')
        Unit = pool.get('see.unit')
        Desk = pool.get('see.site.desk')
        Ticket = pool.get('see.ticket')
        transaction = Transaction()
        with transaction.new_transaction() as setup:
            site, enrolment, _ = self._site('DUP')
            desk, = Desk.create([{
                        'site': site.id, 'name': "Guichê 1",
                        'services': [('add', [enrolment.id])],
                        'agents': [('add', [transaction.user])],
                        }])
            Ticket.create([{'site': site.id, 'service': enrolment.id}] * 2)
            ids = site.id, desk.id, enrolment.unit.id
            setup.commit()
        try:
            with transaction.new_transaction() as later:
                # Its snapshot is taken before the other call commits
                Ticket.search([])
                with transaction.new_transaction() as earlier:
                    called = Ticket.call_next_at(Desk(ids[1]))
                    self.assertEqual(called.number, 'MAT-001')
                    earlier.commit()
                with self.assertRaises(backend.DatabaseOperationalError):
                    Ticket.call_next_at(Desk(ids[1]))
                later.rollback()
            with transaction.new_transaction():
                with self.assertRaises(TicketError):
                    Ticket.call_next_at(Desk(ids[1]))
                self.assertEqual(
                    [t.state for t in Ticket.search(
                            [('site', '=', ids[0])],
                            order=[('number', 'ASC')])],
                    ['called', 'waiting'])
        finally:
            with transaction.new_transaction() as cleanup:
                Ticket.delete(Ticket.search([('site', '=', ids[0])]))
                Site.delete([Site(ids[0])])
                Service.delete(Service.search([('unit', '=', ids[2])]))
                Unit.delete([Unit(ids[2])])
                cleanup.commit()


del ModuleTestCase
