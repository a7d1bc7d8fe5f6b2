# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import unittest

from trytond import backend
from trytond.modules.see_presencial.exceptions import (
    TicketError, TicketValidationError)
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
        with self.assertRaises(TicketValidationError):
            Ticket.create([{'site': site.id, 'service': enrolment.id,
                        'requester_cpf': '529.982.247-24'}])

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
