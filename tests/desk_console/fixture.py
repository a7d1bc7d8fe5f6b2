# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""A service site with its staff on a `tests.server.TrytonServer`, for the
tests of the desk console.

Unidade Recife Centro (no-show after 2 calls, 2 priority : 1 normal)
offers Matrícula (MAT) and Passe Livre (PAS): Guichê 1 serves both, with
Ana; Guichê 2 the free pass, with Ana and Bruno.  Caio is on duty at
Unidade Caruaru, Otto supervises it; Sara supervises Recife; Rita is its
reception.  Staff log in with `password(login)`.
"""
import http.cookiejar
import json
import urllib.error
import urllib.request

from tests.server import TrytonServer

MODULES = ['see_atendimento', 'see_presencial']
# The groups, by their English names (ir.model.data is not readable over
# RPC); desk agents and supervisors register the attendances' protocols too
DESK_AGENT = "In-Person Desk Agent"
SUPERVISOR = "In-Person Unit Supervisor"
AGENT = "Attendance Agent"
STAFF = {
    # login: (name, groups)
    'ana': ("Ana Guichê", [DESK_AGENT, AGENT]),
    'bruno': ("Bruno Guichê", [DESK_AGENT, AGENT]),
    'caio': ("Caio Caruaru", [DESK_AGENT, AGENT]),
    'rita': ("Rita Recepção", ["In-Person Reception"]),
    'sara': ("Sara Supervisora", [SUPERVISOR, AGENT]),
    'otto': ("Otto Supervisor", [SUPERVISOR, AGENT]),
    }


def password(login):
    return f'{login}-Senha-de-teste-1'


class Site:
    "The site, its desks and staff; ids in `ids`, user ids in `users`"

    def __init__(self, server):
        self.server = server
        self.ids = {}
        self.users = {}
        self._proteus = {}

    def create(self):
        root = self.server.proteus('root')
        Group = root.get('res.group')
        User = root.get('res.user')
        Lang = root.get('ir.lang')
        Service = root.get('see.service')
        Site_ = root.get('see.site')
        Desk = root.get('see.site.desk')
        Classification = root.get('see.classification')

        def group(name):
            with root.config.set_context(language='en'):
                found, = Group.find([('name', '=', name)])
            return Group(found.id)

        lang, = Lang.find([('code', '=', 'pt')])
        for login, (name, groups) in STAFF.items():
            user = User(login=login, name=name, language=lang,
                password=password(login))
            for name in groups:
                user.groups.append(group(name))
            user.save()
            self.users[login] = user.id

        enrolment = Service(self.server.records['service'])
        free_pass = Service(name="Passe Livre", code='PASSE',
            kind='rotineiro', unit=enrolment.unit)
        free_pass.save()

        site = Site_(name="Unidade Recife Centro", code='REC',
            no_show_calls=2)
        site.services.new(service=enrolment, prefix='MAT')
        site.services.new(service=free_pass, prefix='PAS')
        site.supervisors.append(User(self.users['sara']))
        site.receptionists.append(User(self.users['rita']))
        site.save()
        desk1 = Desk(site=site, name="Guichê 1", number=1)
        desk1.services.extend([Service(enrolment.id), Service(free_pass.id)])
        desk1.agents.append(User(self.users['ana']))
        desk1.save()
        desk2 = Desk(site=site, name="Guichê 2", number=2)
        desk2.services.append(Service(free_pass.id))
        desk2.agents.extend([User(self.users['ana']),
                User(self.users['bruno'])])
        desk2.save()

        other = Site_(name="Unidade Caruaru", code='CAR')
        other.services.new(service=Service(enrolment.id), prefix='MAT')
        other.supervisors.append(User(self.users['otto']))
        other.save()
        other_desk = Desk(site=other, name="Guichê 1", number=1)
        other_desk.services.append(Service(enrolment.id))
        other_desk.agents.append(User(self.users['caio']))
        other_desk.save()

        classification, = Classification.find([('code', '=', 'PADRAO')])
        self.ids.update({
                'site': site.id, 'other_site': other.id,
                'desk1': desk1.id, 'desk2': desk2.id,
                'other_desk': other_desk.id,
                'enrolment': enrolment.id, 'free_pass': free_pass.id,
                'classification': classification.id,
                })
        return self

    def proteus(self, login):
        "A proteus connection as login, one of STAFF"
        from proteus import config as pconfig
        from tests.server import _ProteusConnection
        if login not in self._proteus:
            self._proteus[login] = pconfig.set_xmlrpc(
                f'http://{login}:{password(login)}@127.0.0.1:'
                f'{self.server.port}/{self.server.database}/rpc/')
        config = self._proteus[login]
        pconfig._CONFIG.current = config
        return _ProteusConnection(config)

    def issue(self, service, priority=None, site=None, **values):
        """Issue a ticket as the reception of the site (its supervisor for
        the other site); return its id and number"""
        other = site == self.ids['other_site']
        conn = self.proteus('otto' if other else 'rita')
        Ticket = conn.get('see.ticket')
        Priority = conn.get('see.ticket.priority')
        ticket = Ticket(site=conn.get('see.site')(site or self.ids['site']),
            service=conn.get('see.service')(self.ids[service]), **values)
        if priority:
            ticket.priority, = Priority.find([('code', '=', priority)])
        ticket.save()
        return ticket.id, ticket.number

    def clear(self):
        """Cancel every ticket still open, and the protocols of those in
        attendance, so a test starts with empty queues"""
        for login, site in [('sara', 'site'), ('otto', 'other_site')]:
            conn = self.proteus(login)
            rows = self.server.query(
                "SELECT id, protocol FROM see_ticket WHERE site = %s AND "
                "state IN ('waiting', 'called', 'attending', 'suspended')",
                (self.ids[site],))
            protocols = [p for _, p in rows if p and self.server.query(
                    "SELECT state IN ('draft', 'attending') FROM "
                    "see_protocol WHERE id = %s", (p,))[0][0]]
            if protocols:
                conn.get('see.protocol')._proxy.cancel(
                    protocols, conn.config.context)
            if rows:
                conn.get('see.ticket')._proxy.cancel_with_reason(
                    [t for t, _ in rows], "Fim do teste",
                    conn.config.context)

    def ticket(self, ticket_id):
        "The stored state, desk, call count and cancel reason of a ticket"
        return self.server.query("SELECT number, state, desk, call_count, "
            "cancel_reason, protocol, target_desk FROM see_ticket "
            "WHERE id = %s", (ticket_id,))[0]


class Console:
    "The console's routes with the session cookie of a user's login"

    def __init__(self, server, login):
        self.server = server
        self.base = f'{server.url}{server.database}/see_presencial/console'
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar))
        if login is None:
            return
        request = urllib.request.Request(
            f'{server.url}{server.database}/session/login',
            data=json.dumps({'method': 'common.db.login',
                    'params': [login, {'password': password(login)}, 'pt']}
                ).encode(), headers={'Content-Type': 'application/json'})
        with self.opener.open(request, timeout=30) as response:
            json.loads(response.read())
        # Cookies are "secure": send them on plain loopback HTTP too
        for cookie in jar:
            cookie.secure = False

    def call(self, method, path, body=None, raw=None):
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data,
            method=method, headers={'Content-Type': 'application/json',
                'Accept': 'application/json'})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            content = e.read()
            try:
                return e.code, json.loads(content)
            except ValueError:
                return e.code, content.decode('utf-8', 'replace')

    def desk(self, desk_id):
        return self.call('GET', f'/desk/{desk_id}')

    def act(self, desk_id, action, **body):
        return self.call('POST', f'/desk/{desk_id}/{action}', body)


def new_server():
    return TrytonServer(modules=MODULES)
