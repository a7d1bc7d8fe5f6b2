# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Every view of the see_* modules can be drawn by the web client.

ModuleTestCase validates views against trytond's schema, but the web
client (sao) has no column for some field types in lists (a DateTime list
column must be split into widget="date" and widget="time"): such a list
does not open at all. This test reads the widgets the installed sao knows
and checks each field of each view against them.
"""
import re
import unittest
from pathlib import Path

from lxml import etree

from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER, activate_module
from trytond.transaction import Transaction

ROOT = Path(__file__).resolve().parent.parent
SAO = ROOT / 'node_modules' / 'tryton-sao' / 'dist' / 'tryton-sao.js'
PARSERS = {
    'tree': 'Sao.View.TreeXMLViewParser.WIDGETS',
    'form': 'Sao.View.FormXMLViewParser.WIDGETS',
    }


def sao_widgets(parser):
    "The widget names sao's parser knows"
    source = SAO.read_text(encoding='utf-8')
    start = source.index(parser + ' = {')
    body = source[start:source.index('};', start)]
    return set(re.findall(r"^\s*'([\w]+)':", body, re.M))


def see_modules():
    return sorted(p.parent.name for p in ROOT.glob('addons/see_*/tryton.cfg'))


class ViewWidgetsTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if not SAO.exists():
            raise unittest.SkipTest("the web client is not installed: make sao")
        activate_module(see_modules())

    def test_fields_have_a_sao_widget(self):
        "Each field of each view has a widget in the web client"
        problems = []
        with Transaction().start(DB_NAME, USER, context={'language': 'en'}):
            pool = Pool()
            View = pool.get('ir.ui.view')
            views = View.search([
                    ('module', 'in', see_modules()),
                    ('type', 'in', list(PARSERS)),
                    ])
            widgets = {t: sao_widgets(p) for t, p in PARSERS.items()}
            for view in views:
                Model = pool.get(view.model)
                result = Model.fields_view_get(view.id, view.type)
                arch = etree.fromstring(result['arch'])
                for node in arch.iter('field'):
                    name = node.get('name')
                    field = result['fields'].get(name)
                    if not field:
                        continue
                    widget = node.get('widget') or field['type']
                    if widget not in widgets[view.type]:
                        problems.append(f'{view.module}/{view.name} '
                            f'({view.type}): field {name} has no sao '
                            f'widget "{widget}"')
        self.assertEqual(problems, [])


if __name__ == '__main__':
    unittest.main()
