# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The webchat's part of the transition export: sessions and their messages"
from trytond.modules.see_atendimento.transition import ExportedModel
from trytond.pool import PoolMeta


class TransitionExport(metaclass=PoolMeta):
    __name__ = 'see.transition.export'

    @classmethod
    def models(cls):
        return super().models() + [
            ExportedModel('see.chat.agent'),
            ExportedModel('see.chat.reply'),
            # The hash of the citizen's access token opens nothing elsewhere
            ExportedModel('see.chat.session', exclude=['token_hash']),
            ExportedModel('see.chat.message'),
            ExportedModel('see.chat.channel.contact'),
            ]
