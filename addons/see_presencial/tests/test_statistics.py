# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The definition of TME and TMA for one ticket, case by case"
import datetime as dt
import unittest

from trytond.modules.see_presencial.statistics import ticket_times

START = dt.datetime(2026, 3, 2, 8, 0)


def steps(*pairs):
    "(minute, action) pairs to (date, action) steps"
    return [(START + dt.timedelta(minutes=m), a) for m, a in pairs]


class TicketTimesTestCase(unittest.TestCase):
    "(waiting, attendance) in minutes of a ticket's steps"

    def assertMinutes(self, pairs, waiting, attendance):
        result = ticket_times(steps(*pairs))
        self.assertEqual(tuple(
                None if s is None else s / 60 for s in result),
            (waiting, attendance))

    def test_simple(self):
        self.assertMinutes([(0, 'issue'), (10, 'call'), (11, 'start'),
                (19, 'finish')], 10, 8)

    def test_recall_is_not_a_wait(self):
        "The wait ends at the first call; the time called is neither"
        self.assertMinutes([(0, 'issue'), (5, 'call'), (7, 'recall'),
                (9, 'start'), (12, 'finish')], 5, 3)

    def test_suspension(self):
        "The time suspended is left out; the return waits again"
        self.assertMinutes([(2, 'issue'), (20, 'call'), (21, 'start'),
                (26, 'suspend'), (40, 'resume'), (45, 'call'),
                (46, 'start'), (50, 'finish')], 23, 9)

    def test_transfer_after_attendance(self):
        "Both waits and both attendances count"
        self.assertMinutes([(3, 'issue'), (5, 'call'), (6, 'start'),
                (16, 'transfer'), (51, 'call'), (52, 'start'),
                (60, 'finish')], 37, 18)

    def test_transfer_while_waiting(self):
        "Still waiting: the wait runs on through the transfer"
        self.assertMinutes([(0, 'issue'), (4, 'transfer'), (9, 'call'),
                (10, 'start'), (11, 'finish')], 9, 1)

    def test_transfer_when_called(self):
        "The time called is not a wait; the new queue's is"
        self.assertMinutes([(0, 'issue'), (4, 'call'), (6, 'transfer'),
                (9, 'call'), (10, 'start'), (11, 'finish')], 7, 1)

    def test_no_show(self):
        self.assertMinutes([(4, 'issue'), (61, 'call'), (63, 'recall'),
                (65, 'no_show')], 57, None)

    def test_cancelled_waiting(self):
        "A wait ended by a cancellation is not a wait until called"
        self.assertMinutes([(5, 'issue'), (30, 'cancel')], None, None)

    def test_cancelled_in_attendance(self):
        self.assertMinutes([(0, 'issue'), (1, 'call'), (2, 'start'),
                (7, 'cancel')], 1, 5)

    def test_running(self):
        "A wait or an attendance still running is not counted"
        self.assertMinutes([(0, 'issue')], None, None)
        self.assertMinutes([(0, 'issue'), (3, 'call'), (4, 'start')],
            3, None)
