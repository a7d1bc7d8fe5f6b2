# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The screen pop's protocol form shows the caller's phone as people read
it (issue #18): the form shows requester_phone_shown, whose default is the
stored field's (the caller of the call in the context)."""
import datetime as dt
import unittest

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction


class ScreenPopTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('see_telefonia')

    @with_transaction()
    def test_caller_shown_formatted(self):
        pool = Pool()
        Server = pool.get('see.ami.server')
        Call = pool.get('see.call')
        Protocol = pool.get('see.protocol')
        server, = Server.create([{
                    'name': 'PABX', 'host': '10.0.0.5', 'user': 'see',
                    'secret': 's3cr3t',
                    }])
        call, = Call.create([{
                    'server': server.id, 'linkedid': '9.1',
                    'arrival_date': dt.datetime(2024, 4, 10, 14),
                    'caller': '+5581987654321',
                    }])
        with Transaction().set_context(see_call=call.id):
            defaults = Protocol.default_get(
                ['requester_phone', 'requester_phone_shown'])
        self.assertEqual(defaults['requester_phone'], '+5581987654321')
        self.assertEqual(defaults['requester_phone_shown'], "(81) 98765-4321")
