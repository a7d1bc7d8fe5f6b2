# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"With see_assistente: an answer about a bookable service offers booking"
import unittest

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .test_agenda import setup_site


class AssistenteBookingTestCase(unittest.TestCase):
    "The assistant's answer links to the booking page of its service"

    @classmethod
    def setUpClass(cls):
        activate_module(['see_agendamento', 'see_assistente'])

    @with_transaction()
    def test_booking_offer(self):
        """An article of a service with a booking type: the webchat's
        answer offers its booking page, the kiosk's does not; an article
        of no bookable service offers nothing"""
        pool = Pool()
        Article = pool.get('see.kb.article')
        Question = pool.get('see.assistente.question')
        BookingType = pool.get('see.booking.type')
        booking = setup_site()
        service = booking.service
        enrolment, free_pass = Article.create([{
                    'title': "Matrícula: documentos",
                    'body': "Para a matrícula, leve RG, CPF e comprovante "
                    "de residência.",
                    'keywords': "matricula documentos",
                    'services': [('add', [service.id])],
                    }, {
                    'title': "Passe Livre: cartão perdido",
                    'body': "Peça a segunda via do cartão na escola.",
                    'keywords': "passe livre segunda via",
                    }])
        Article.publish([enrolment, free_pass])

        answer = Question.ask("quais documentos para a matricula", 'webchat')
        self.assertEqual(answer['article']['id'], enrolment.id)
        self.assertEqual(answer['booking'], {
                'service': service.rec_name,
                'url': '/%s/see_agendamento/book?service=%d' % (
                    Transaction().database.name, service.id),
                })
        answer = Question.ask("quais documentos para a matricula", 'kiosk')
        self.assertNotIn('booking', answer)
        answer = Question.ask("perdi o cartao do passe livre", 'webchat')
        self.assertEqual(answer['article']['id'], free_pass.id)
        self.assertIsNone(answer['booking'])

        # A type no longer offered: no booking
        BookingType.write([booking], {'active': False})
        answer = Question.ask("quais documentos para a matricula", 'webchat')
        self.assertIsNone(answer['booking'])
