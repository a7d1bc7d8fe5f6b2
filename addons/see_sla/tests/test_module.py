# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import unittest
from decimal import Decimal
from fractions import Fraction

from trytond.model import ModelStorage
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.modules.see_sla import formulas
from trytond.modules.see_sla.formulas import Band
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

# The seed's bands (Annex A), as shipped in indicator_data.xml
IAR = [Band('95', False, 0, 'a'), Band('87', False, 15, 'b'),
    Band('80', False, 30, 'c'), Band(None, False, 60, 'd')]
FCR = [Band('30', True, 0, 'a'), Band('40', False, 15, 'b'),
    Band(None, False, 30, 'c')]
IFQA = [Band('85', False, 0, 'a'), Band('77', False, 15, 'b'),
    Band('70', False, 30, 'c'), Band(None, False, 60, 'd')]
QTBC = [Band('80', False, 0, 'a'), Band('75', False, 15, 'b'),
    Band('70', False, 30, 'c'), Band(None, False, 60, 'd')]
PLAT = [Band('97', False, 0, 'a'), Band('96', False, 30, 'b'),
    Band('95', False, 60, 'c'), Band(None, False, 90, 'd')]
PLAT_SPECIAL = [Band('98', False, 0, 'a'), Band('97', False, 30, 'b'),
    Band('96', False, 60, 'c'), Band(None, False, 90, 'd')]
INS = [Band('85', False, 0, 'a'), Band('77', False, 30, 'b'),
    Band('70', False, 60, 'c'), Band(None, False, 90, 'd')]
IAC = [Band('8', True, 0, 'a'), Band('13', False, 15, 'b'),
    Band('20', False, 30, 'c'), Band(None, False, 60, 'd')]
IRAE = [Band('80', False, 0, 'a'), Band('75', False, 30, 'b'),
    Band('70', False, 60, 'c'), Band(None, False, 90, 'd')]
GLOSA = [(20, '1'), (30, '2'), (60, '3'), (90, '5'), (120, '10'),
    (150, '15'), (180, '20'), (210, '25'), (240, '30'), (270, '35'),
    (300, '40')]


def points(value, bands, higher=True):
    return formulas.find_band(value, bands, higher).points


class FormulaTestCase(unittest.TestCase):
    "Pure formulas against cases computed by hand"

    def test_ratio(self):
        self.assertEqual(formulas.ratio(1, 3), Fraction(100, 3))
        self.assertIsNone(formulas.ratio(0, 0))
        self.assertIsNone(formulas.ratio(None, 10))
        self.assertEqual(formulas.to_decimal(Fraction(200, 3)),
            Decimal('66.67'))
        self.assertEqual(formulas.to_decimal(Fraction(13, 17) * 100),
            Decimal('76.47'))

    def test_iar(self):
        # 940 registered of 1000 calls = 94 % -> "De 94% a 87%"
        value = formulas.ratio(940, 1000)
        self.assertEqual(value, 94)
        self.assertEqual(points(value, IAR), 15)
        self.assertEqual(points(formulas.ratio(950, 1000), IAR), 0)
        # 86.5 % is in the gap between 87 % and 86 %: the worse band
        self.assertEqual(points(formulas.ratio(865, 1000), IAR), 30)
        # 94.5 % is in the gap between 95 % and 94 %: the worse band
        self.assertEqual(points(formulas.ratio(945, 1000), IAR), 15)
        self.assertEqual(points(formulas.ratio(799, 1000), IAR), 60)

    def test_fcr(self):
        # Lower is better: "Abaixo de 30%" excludes 30 %
        self.assertEqual(points(formulas.ratio(29, 100), FCR, False), 0)
        self.assertEqual(points(formulas.ratio(30, 100), FCR, False), 15)
        # 30.5 % is in the gap between 30 % and 31 %: the worse band
        self.assertEqual(points(formulas.ratio(61, 200), FCR, False), 15)
        self.assertEqual(points(formulas.ratio(40, 100), FCR, False), 15)
        self.assertEqual(points(formulas.ratio(9, 20), FCR, False), 30)

    def test_ifqa(self):
        # The share of scores above 7, not the average
        self.assertEqual(formulas.ratio(13, 17), Fraction(1300, 17))
        # 76.47 % between "84% a 77%" and "76% a 70%": the worse band
        self.assertEqual(points(formulas.ratio(13, 17), IFQA), 30)
        self.assertEqual(points(formulas.ratio(17, 20), IFQA), 0)
        self.assertEqual(points(formulas.ratio(3, 5), IFQA), 60)

    def test_qtbc(self):
        self.assertEqual(points(formulas.ratio(8, 10), QTBC), 0)
        self.assertEqual(points(formulas.ratio(3, 4), QTBC), 15)
        self.assertEqual(points(formulas.ratio(7, 10), QTBC), 30)
        # 69.5 % between "74% a 70%" and "abaixo de 69%": the worse band
        self.assertEqual(points(formulas.ratio(139, 200), QTBC), 60)
        self.assertEqual(points(formulas.ratio(6, 10), QTBC), 60)

    def test_plat(self):
        # 110 h of service, 6 h down: 94.55 %
        value = formulas.ratio(104 * 3600, 110 * 3600)
        self.assertEqual(formulas.to_decimal(value), Decimal('94.55'))
        self.assertEqual(points(value, PLAT), 90)
        # 96.95 % in the gap between 97 % and 96.9 %: the worse band
        self.assertEqual(points(formulas.ratio(9695, 10000), PLAT), 30)
        self.assertEqual(points(formulas.ratio(9599, 10000), PLAT), 60)
        # Special: 191.5 h of 196 h = 97.70 %, in the gap between 98 %
        # and 97.4 %: the 30 points band
        value = formulas.ratio(1915, 1960)
        self.assertEqual(formulas.to_decimal(value), Decimal('97.70'))
        self.assertEqual(points(value, PLAT_SPECIAL), 30)
        self.assertEqual(points(formulas.ratio(98, 100), PLAT_SPECIAL), 0)

    def test_ins(self):
        # 77 % is written in two bands: the better one
        self.assertEqual(points(formulas.ratio(77, 100), INS), 30)
        self.assertEqual(points(formulas.ratio(769, 1000), INS), 60)
        self.assertEqual(points(formulas.ratio(85, 100), INS), 0)
        self.assertEqual(points(formulas.ratio(69, 100), INS), 90)

    def test_iac(self):
        self.assertEqual(points(formulas.ratio(79, 1000), IAC, False), 0)
        self.assertEqual(points(formulas.ratio(8, 100), IAC, False), 15)
        # 13.5 % in the gap between 13 % and 14 %: the worse band
        self.assertEqual(points(formulas.ratio(135, 1000), IAC, False), 30)
        self.assertEqual(points(formulas.ratio(201, 1000), IAC, False), 60)

    def test_irae(self):
        self.assertEqual(points(formulas.ratio(6, 9), IRAE), 90)
        self.assertEqual(points(formulas.ratio(3, 4), IRAE), 30)
        self.assertEqual(points(formulas.ratio(4, 5), IRAE), 0)

    def test_glosa(self):
        def pct(total, beyond='last'):
            return formulas.glosa_percentage(total, GLOSA, beyond)
        self.assertEqual(pct(0), 0)
        self.assertEqual(pct(19), 0)
        self.assertEqual(pct(20), 1)
        # Between two rows: the lower row
        self.assertEqual(pct(45), 2)
        self.assertEqual(pct(119), 5)
        self.assertEqual(pct(120), 10)
        self.assertEqual(pct(300), 40)
        self.assertEqual(pct(390), 40)
        self.assertEqual(pct(329, 'extend'), 40)
        self.assertEqual(pct(330, 'extend'), 45)
        self.assertEqual(pct(390, 'extend'), 55)

    def test_amounts(self):
        gross, glosa, net = formulas.amounts(
            [(17, Decimal('12.3456')), (7, Decimal('9.87'))], Decimal(40))
        self.assertEqual(gross, Decimal('278.97'))
        self.assertEqual(glosa, Decimal('111.59'))
        self.assertEqual(net, Decimal('167.38'))

    def test_paid_quantity(self):
        # 1,300 webchats estimated by the orders of the month
        for basis, billable, expected in [
                ('capped', 1250, 1250),
                ('capped', 1400, 1300),
                ('realized', 1400, 1400),
                ('ordered', 1250, 1300),
                ('ordered', 0, 1300),
                ('capped', 0, 0),
                ]:
            with self.subTest(basis=basis, billable=billable):
                self.assertEqual(
                    formulas.paid_quantity(basis, billable, 1300), expected)
        with self.assertRaises(ValueError):
            formulas.paid_quantity('other', 10, 10)

    def test_in_force(self):
        start = dt.date(2024, 1, 1)
        self.assertFalse(formulas.in_force(start, dt.date(2024, 3, 1), 3))
        self.assertTrue(formulas.in_force(start, dt.date(2024, 4, 1), 3))
        self.assertTrue(formulas.in_force(start, dt.date(2024, 3, 1), 2))
        # Operation started mid-month: the fourth month is not complete
        start = dt.date(2024, 1, 15)
        self.assertFalse(formulas.in_force(start, dt.date(2024, 4, 1), 3))
        self.assertTrue(formulas.in_force(start, dt.date(2024, 5, 1), 3))
        self.assertTrue(formulas.in_force(start, dt.date(2024, 1, 1), 0))

    def test_evaluation_window(self):
        start = dt.date(2024, 1, 1)
        self.assertEqual(
            formulas.evaluation_window(start, dt.date(2024, 4, 1), 4),
            (dt.date(2024, 1, 1), dt.date(2024, 4, 1), True))
        self.assertEqual(
            formulas.evaluation_window(start, dt.date(2024, 6, 1), 4),
            (dt.date(2024, 5, 1), dt.date(2024, 6, 1), False))
        self.assertEqual(
            formulas.evaluation_window(
                start, dt.date(2024, 6, 1), 4, 'rolling'),
            (dt.date(2024, 3, 1), dt.date(2024, 6, 1), True))
        self.assertEqual(
            formulas.evaluation_window(start, dt.date(2024, 2, 1), 1),
            (dt.date(2024, 2, 1), dt.date(2024, 2, 1), True))

    def test_working_days(self):
        holidays = {dt.date(2024, 5, 30)}

        def working(d):
            return d.weekday() < 5 and d not in holidays
        self.assertEqual(
            formulas.add_working_days(dt.date(2024, 5, 29), 5, working),
            dt.date(2024, 6, 6))

    def test_availability(self):
        d = dt.datetime
        service = [(d(2024, 4, 1, 11), d(2024, 4, 1, 22)),
            (d(2024, 4, 2, 11), d(2024, 4, 2, 22))]
        outages = [
            (d(2024, 4, 1, 10), d(2024, 4, 1, 12)),  # 1 h inside
            (d(2024, 4, 1, 11, 30), d(2024, 4, 1, 12, 30)),  # overlaps
            (d(2024, 4, 1, 23), d(2024, 4, 2, 1)),  # outside
            ]
        self.assertEqual(formulas.availability(service, outages),
            (22 * 3600 - 5400, 22 * 3600))


class SeeSlaTestCase(ModuleTestCase):
    "Test See Sla module"
    module = 'see_sla'

    @with_transaction()
    def test_models_server_readonly(self):
        "Every stored model refuses direct writes of its read-only fields"
        pool = Pool()
        IrModel = pool.get('ir.model')
        names = [m.name for m in IrModel.search(
                [('module', '=', 'see_sla')])]
        stored = [n for n in names
            if issubclass(pool.get(n), ModelStorage)]
        self.assertIn('see.sla.measurement', stored)
        for name in stored:
            with self.subTest(model=name):
                self.assertTrue(issubclass(pool.get(name), ServerReadonly))

    @with_transaction()
    def test_models_history(self):
        "The records that feed a figure keep their history for the audit"
        pool = Pool()
        for name in ['see.contract', 'see.contract.item',
                'see.service.order', 'see.service.order.line',
                'see.sla.indicator', 'see.sla.indicator.band',
                'see.sla.glosa', 'see.sla.configuration',
                'see.platform.incident', 'see.sla.measurement',
                'see.sla.measurement.comment']:
            with self.subTest(model=name):
                self.assertTrue(pool.get(name)._history)


del ModuleTestCase
