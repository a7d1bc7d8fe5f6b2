# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.cache import Cache
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Id

from .integrity import InputCheck


class Configuration(InputCheck, ModelSingleton, ModelSQL, ModelView):
    __string__ = "Attendance Configuration"
    __name__ = 'see.configuration'

    protocol_sequence = fields.Many2One(
        'ir.sequence', "Protocol Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('see_atendimento', 'sequence_type_protocol')),
            ])
    phone_region = fields.Char(
        "Phone Region", required=True, size=2,
        help="ISO country code used to read phone numbers "
        "written without the international prefix.")
    reincidence_days = fields.Integer(
        "Reincidence Window", required=True,
        domain=[('reincidence_days', '>', 0)],
        help="Days before an attendance in which another attendance of the "
        "same requester and service makes it a reincidence (FCR).")
    privacy_notice_version = fields.Char("Privacy Notice Version",
        help="The version of the LGPD notice the citizens' pages show: "
        "each acceptance records it. Change it when the notice changes.")
    good_score = fields.Integer(
        "Good Score Above", required=True,
        domain=[('good_score', '>=', 0), ('good_score', '<=', 10)],
        help="A survey score strictly above this value is a good "
        "evaluation (IFQA).")
    # Every phone typed or stored is read in this region: one read per
    # process, not several per attendance
    _phone_region_cache = Cache(
        'see.configuration.phone_region', context=False)

    @classmethod
    def get_phone_region(cls):
        "Return the region used to read phones without international prefix"
        region = cls._phone_region_cache.get(None)
        if region is None:
            region = cls(1).phone_region or 'BR'
            cls._phone_region_cache.set(None, region)
        return region

    # Each protocol created takes its number: the singleton's search and
    # read were 2 of the ~30 queries of a creation
    _protocol_sequence_cache = Cache(
        'see.configuration.protocol_sequence', context=False)

    @classmethod
    def get_protocol_sequence(cls):
        "Return the sequence of the protocol numbers"
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        sequence_id = cls._protocol_sequence_cache.get(None)
        if sequence_id is None:
            sequence_id = cls(1).protocol_sequence.id
            cls._protocol_sequence_cache.set(None, sequence_id)
        return Sequence(sequence_id)

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls._phone_region_cache.clear()
        cls._protocol_sequence_cache.clear()

    @classmethod
    def default_protocol_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('see_atendimento', 'sequence_protocol')
        except KeyError:
            return None

    @classmethod
    def default_phone_region(cls):
        return 'BR'

    @classmethod
    def default_reincidence_days(cls):
        return 30

    @classmethod
    def default_privacy_notice_version(cls):
        return '1'

    @classmethod
    def default_good_score(cls):
        return 7
