# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""With see_assistente: an answer whose article concerns a service that
can be booked offers the booking page with the service chosen"""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Question(metaclass=PoolMeta):
    __name__ = 'see.assistente.question'

    @classmethod
    def ask(cls, text, channel, url=None):
        result = super().ask(text, channel, url=url)
        # Not at the kiosk: its page would leave the kiosk
        if result.get('article') and channel != 'kiosk':
            result['booking'] = cls.booking_offer(result['article']['id'])
        return result

    @classmethod
    def booking_offer(cls, article_id):
        """{service, url} of the booking page for the first service of the
        article that an active booking type offers, or None"""
        pool = Pool()
        Article = pool.get('see.kb.article')
        BookingType = pool.get('see.booking.type')
        services = Article(article_id).services
        if not services:
            return None
        types = BookingType.search([
                ('service', 'in', [s.id for s in services]),
                ], order=[('id', 'ASC')])
        for service in services:
            if any(t.service == service for t in types):
                return {
                    'service': service.rec_name,
                    'url': '/%s/see_agendamento/book?service=%d' % (
                        Transaction().database.name, service.id),
                    }
        return None
