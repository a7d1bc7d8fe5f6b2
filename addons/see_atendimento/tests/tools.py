# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"Helpers shared by the scenarios of the attendance modules"
from proteus import Model
from proteus.config import get_config


ROLE_GROUPS = {
    'agent': ["Attendance Agent"],
    'supervisor': ["Attendance Supervisor"],
    'unit': ["SEE-PE Managing Unit"],
    'contract_manager': ["Contract Manager"],
    'fiscal': ["Contract Fiscal"],
    'auditor': ["SEE-PE Auditor"],
    'admin': ["Attendance Administrator"],
    'integration': ["Attendance Integration"],
    'dpo': ["Data Protection Officer (DPO)"],
    }


def set_portuguese(config=None):
    "Load the Portuguese translations and make it the admin's language"
    config = config or get_config()
    Lang = Model.get('ir.lang', config=config)
    User = Model.get('res.user', config=config)
    pt, = Lang.find([('code', '=', 'pt')])
    Lang.click([pt], 'load_translations')
    admin = User(config.user)
    admin.language = pt
    admin.save()
    return pt


def create_user(login, role, config=None, **values):
    "Create a user in the groups of role, with Portuguese as language"
    config = config or get_config()
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    Lang = Model.get('ir.lang', config=config)
    user = User(login=login, name=values.pop('name', login.title()))
    user.language, = Lang.find([('code', '=', 'pt')])
    with config.set_context(language='en'):
        for name in ROLE_GROUPS[role]:
            group, = Group.find([('name', '=', name)])
            user.groups.append(Group(group.id))
    for name, value in values.items():
        setattr(user, name, value)
    user.save()
    return user


def create_catalog(config=None):
    "Create a unit, two services and return them with the classifications"
    config = config or get_config()
    Unit = Model.get('see.unit', config=config)
    Service = Model.get('see.service', config=config)
    Classification = Model.get('see.classification', config=config)
    unit = Unit(name="Gerência de Matrícula", code='GEMAT')
    unit.save()
    enrolment = Service(name="Matrícula", code='MAT', kind='especial',
        unit=unit)
    enrolment.save()
    free_pass = Service(name="Passe Livre Estudantil", code='PASSE',
        unit=unit)
    free_pass.save()
    classifications = {c.code: c for c in Classification.find([])}
    return unit, enrolment, free_pass, classifications


def answer_survey(protocol, score, config=None):
    """The requester answers the survey at the end of the contact (the
    phone's IVR, the chat's last question): the survey process, not a user,
    records the score"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    config = config or get_config()
    with Transaction().start(config.database_name, 0):
        Protocol = Pool(config.database_name).get('see.protocol')
        Protocol.set_survey([Protocol(protocol.id)], score)
