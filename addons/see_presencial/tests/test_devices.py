# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The devices of a site: token, kiosk issue, waiting estimate, evaluation"
import datetime as dt
import unittest

from trytond.modules.see_atendimento.exceptions import DeviceRateError
from trytond.modules.see_presencial.exceptions import (
    DevicePageError, TicketValidationError)
from trytond.modules.see_presencial.panel import announcement
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction


class AnnouncementTestCase(unittest.TestCase):

    def test_announcement(self):
        "Each digit of the number is said on its own"
        self.assertEqual(announcement('MAT-001', "Guichê 2"),
            "Senha MAT zero zero um, Guichê 2")
        self.assertEqual(announcement('PAS-120', "Mesa 7"),
            "Senha PAS um dois zero, Mesa 7")


class DeviceTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('see_presencial')

    def _site(self):
        pool = Pool()
        Unit = pool.get('see.unit')
        Service = pool.get('see.service')
        Site = pool.get('see.site')
        Desk = pool.get('see.site.desk')
        unit, = Unit.create([{'name': "Gerência", 'code': 'GD'}])
        enrolment, other = Service.create([
                {'name': "Matrícula", 'code': 'MATD', 'unit': unit.id},
                {'name': "Outro", 'code': 'OUTD', 'unit': unit.id},
                ])
        site, = Site.create([{'name': "Recife", 'code': 'RD',
                    'services': [('create', [
                                {'service': enrolment.id, 'prefix': 'MAT'},
                                ])]}])
        desk, = Desk.create([{'site': site.id, 'name': "Guichê 2",
                    'number': 2, 'services': [('add', [enrolment.id])],
                    'agents': [('add', [1])]}])
        return site, desk, enrolment, other

    def _device(self, kind, site, desk=None):
        Device = Pool().get('see.device')
        device, = Device.create([{'name': kind, 'kind': kind,
                    'site': site.id, 'desk': desk.id if desk else None}])
        return device

    @with_transaction()
    def test_token(self):
        "Only the current token of an active device of the kind is accepted"
        Device = Pool().get('see.device')
        site, desk, _, _ = self._site()
        device = self._device('kiosk', site)
        old = device.new_token()
        self.assertEqual(Device.from_token(old, ['kiosk']), device)
        self.assertIsNone(Device.from_token(old, ['panel']))
        self.assertNotIn(old, device.token_hash)
        self.assertEqual(device.token_hint, old[-4:])
        new = device.new_token()
        self.assertIsNone(Device.from_token(old, ['kiosk']))
        self.assertEqual(Device.from_token(new, ['kiosk']), device)
        Device.write([device], {'active': False})
        self.assertIsNone(Device.from_token(new, ['kiosk']))
        Device.write([device], {'active': True})
        # Reactivation does not bring the revoked token back
        self.assertIsNone(Device.from_token(new, ['kiosk']))
        for wrong in ['', None, 'x' * 1000]:
            self.assertIsNone(Device.from_token(wrong, ['kiosk']))

    @with_transaction()
    def test_validation(self):
        "A device needs its site, a tablet a desk of that site"
        Device = Pool().get('see.device')
        Site = Pool().get('see.site')
        site, desk, _, _ = self._site()
        other, = Site.create([{'name': "Olinda", 'code': 'OD'}])
        with self.assertRaises(ValidationError):
            Device.create([{'name': "Totem", 'kind': 'kiosk'}])
        with self.assertRaises(ValidationError):
            Device.create([{'name': "Tablet", 'kind': 'tablet',
                        'site': site.id}])
        with self.assertRaises(ValidationError):
            Device.create([{'name': "Tablet", 'kind': 'tablet',
                        'site': other.id, 'desk': desk.id}])
        self._device('tablet', site, desk)

    @with_transaction()
    def test_kiosk_issue_and_estimate(self):
        "The kiosk issues valid tickets only; the estimate follows its rule"
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Priority = pool.get('see.ticket.priority')
        site, desk, enrolment, other = self._site()
        kiosk = self._device('kiosk', site)
        panel = self._device('panel', site)
        priority, = Priority.search([('code', '=', 'IDOSO60')])

        first = Ticket.issue_from_device(kiosk, enrolment.id)
        self.assertEqual(first.number, 'MAT-001')
        self.assertEqual(first.issued_device, kiosk)
        for args, error in [
                ((other.id,), TicketValidationError),
                ((enrolment.id, 999999), TicketValidationError),
                ((enrolment.id, None, '123.456.789-00'),
                    TicketValidationError),
                ((enrolment.id, None, None, 'x' * 101),
                    TicketValidationError),
                (('1; drop table',), TicketValidationError),
                ]:
            with self.subTest(args=args):
                with self.assertRaises(error):
                    Ticket.issue_from_device(kiosk, *args)
        with self.assertRaises(DevicePageError):
            Ticket.issue_from_device(panel, enrolment.id)
        second = Ticket.issue_from_device(
            kiosk, str(enrolment.id), priority.id, '529.982.247-25',
            " Maria ")
        self.assertEqual(
            (second.priority, second.requester_cpf, second.requester_name),
            (priority, '52998224725', "Maria"))
        third = Ticket.issue_from_device(kiosk, enrolment.id)
        self.assertEqual(
            [t.waiting_ahead() for t in [first, second, third]], [0, 0, 2])

        # No finished attendance today: no estimate
        self.assertIsNone(third.waiting_estimate())
        now = dt.datetime.now()
        done = [Ticket.issue_from_device(kiosk, enrolment.id)
            for _ in range(2)]
        for ticket, minutes in zip(done, [10, 20]):
            Ticket.write([ticket], {'state': 'finished', 'desk': desk.id,
                    'start_date': now - dt.timedelta(minutes=minutes),
                    'end_date': now})
        # 2 ahead × 15 min on average / 1 desk on duty
        self.assertEqual(third.waiting_estimate(), 30)
        receipt = third.receipt()
        self.assertEqual((receipt['ahead'], receipt['estimate']), (2, 30))

    @with_transaction()
    def test_kiosk_rate(self):
        "A kiosk issues [see_presencial] kiosk_tickets (20) a minute"
        from trytond.modules.see_presencial.kiosk import kiosk_rate
        Ticket = Pool().get('see.ticket')
        site, desk, enrolment, other = self._site()
        kiosk = self._device('kiosk', site)
        for _ in range(kiosk_rate()):
            Ticket.issue_from_device(kiosk, enrolment.id)
        with self.assertRaises(DeviceRateError):
            Ticket.issue_from_device(kiosk, enrolment.id)

    @with_transaction()
    def test_evaluation(self):
        "The tablet scores the last finished attendance of its desk once"
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Protocol = pool.get('see.protocol')
        site, desk, enrolment, _ = self._site()
        kiosk = self._device('kiosk', site)
        tablet = self._device('tablet', site, desk)
        self.assertIsNone(Ticket.pending_evaluation(desk))
        ticket = Ticket.issue_from_device(kiosk, enrolment.id)
        protocol, = Protocol.create([{'channel': 'presencial',
                    'service': enrolment.id}])
        Ticket.write([ticket], {'state': 'finished', 'desk': desk.id,
                'protocol': protocol.id, 'end_date': dt.datetime.now()})
        self.assertEqual(Ticket.pending_evaluation(desk), ticket)
        for score in [11, -1, 'dez', None, True]:
            with self.assertRaises(TicketValidationError):
                Ticket.evaluate_from_device(tablet, ticket.id, score)
        with self.assertRaises(DevicePageError):
            Ticket.evaluate_from_device(kiosk, ticket.id, 8)
        Ticket.evaluate_from_device(tablet, ticket.id, '8')
        self.assertEqual(protocol.survey_score, 8)
        self.assertIsNone(Ticket.pending_evaluation(desk))
        with self.assertRaises(DevicePageError):
            Ticket.evaluate_from_device(tablet, ticket.id, 9)
