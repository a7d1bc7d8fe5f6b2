# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"Helpers shared by the scenarios of the in-person service"
from proteus import Model
from proteus.config import get_config

ROLE_GROUPS = {
    'reception': ["In-Person Reception"],
    # Desk agents register the attendances' protocols too
    'desk_agent': ["In-Person Desk Agent", "Attendance Agent"],
    'site_supervisor': ["In-Person Unit Supervisor"],
    'auditor': ["SEE-PE Auditor"],
    }


def create_staff(login, role, config=None):
    "Create a user in the groups of an in-person role"
    config = config or get_config()
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    Lang = Model.get('ir.lang', config=config)
    user = User(login=login, name=login.title())
    user.language, = Lang.find([('code', '=', 'pt')])
    with config.set_context(language='en'):
        for name in ROLE_GROUPS[role]:
            group, = Group.find([('name', '=', name)])
            user.groups.append(Group(group.id))
    user.save()
    return user
