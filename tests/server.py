# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""A real trytond server on a fresh PostgreSQL database, for tests.

`TrytonServer` creates a database with a unique name, activates every
`see_*` module found under `addons/` (`addons/*/tryton.cfg`; trytond orders
them by their dependencies), makes Portuguese (`pt`) the language of the
database and of its users, creates one user per role, a `see.unit` and a
`see.service`, and runs `trytond` on a free loopback port, serving the web
client (sao) when `node_modules/tryton-sao` is installed.  `stop()` ends the
server and drops the database.  Everything is done in subprocesses
(`trytond-admin`, `trytond` and a proteus script), so the test process does
not load or configure trytond itself.

Use it once per test module::

    from tests.server import TrytonServer

    server = TrytonServer()

    def setUpModule():
        server.start()

    def tearDownModule():
        server.stop()

or per class, with `ServerTestCase` (the server is `cls.server`)::

    class MyTest(ServerTestCase):
        def test_it(self):
            Protocol = self.server.proteus('agent').get('see.protocol')

API (keep it small):

- `TrytonServer(modules=None, language='pt', web=True, env=None,
  config=None)`: `modules` defaults
  to every `see_*` addon (or the names in `SEE_TEST_MODULES`, separated by
  commas or spaces); each must be installed (`pip install -e .`); `web=False`
  does not serve sao; `env` adds TRYTOND_* variables to the served
  processes, `config` ({section: {option: value}}) options to the
  configuration file (which wins over the variables).
- `start()`, `stop()`; also usable as a context manager.
- `database`, `url` (``http://127.0.0.1:PORT/``), `rpc_url` (the JSON-RPC and
  XML-RPC endpoint ``url + database + '/rpc/'``), `port`, `config_file`, `web_root` (None without sao), `log_file`.
- `users`: role -> `User(login, password, id, name)` for the roles in
  `ROLES`: ``agent``, ``agent2``, ``unit`` (member of `records['unit']`),
  ``supervisor``, ``auditor``, ``contract_manager``, ``fiscal``, ``admin``
  (also in Tryton's ``res.group_admin``), ``integration``, and the
  in-person ``reception``, ``desk_agent`` and ``site_supervisor`` (without
  groups when see_presencial is not activated), the document ``reviewer``
  and ``review_supervisor`` (without groups when see_documentos is not),
  the data protection officer ``dpo``.
- `records`: ids of what was created: ``unit``, ``service``.
- `proteus(role)`: a proteus XML-RPC connection as that user (role or
  ``'root'`` for trytond's ``admin``); use `Model.get(name, config=...)` or
  its `get(name)` shortcut.
- `query(sql, params=())`: rows of a read-only SQL query run directly on the
  database, to check what was really stored.

The PostgreSQL connection comes from `TRYTOND_DATABASE__URI` (default
``postgresql:///``).  Set `SEE_TEST_KEEP=1` to keep the database and the
temporary folder after `stop()` for inspection.

The first server fills a database and keeps a copy of it as a PostgreSQL
template named ``see_tpl_<hash>`` (the hash covers the modules' files, the
options and the roles); the next servers for the same code clone it in a
second instead of running `trytond-admin` again.  Copies of older code are
dropped when a new one is made.  `SEE_TEST_CACHE=0` turns this off.
"""
import atexit
import collections
import configparser
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SAO = ROOT / 'node_modules' / 'tryton-sao'

User = collections.namedtuple('User', 'login password id name')

# role -> (login, name, XML ids of its groups)
ROLES = {
    'agent': ('agente', "Ana Atendente", [
            'see_atendimento.group_agent']),
    'agent2': ('agente2', "Bruno Atendente", [
            'see_atendimento.group_agent']),
    'unit': ('unidade', "Carla Unidade Gestora", [
            'see_atendimento.group_unit']),
    'supervisor': ('supervisor', "Diego Supervisor", [
            'see_atendimento.group_supervisor']),
    'auditor': ('auditor', "Elisa Auditora", [
            'see_atendimento.group_auditor']),
    'contract_manager': ('gestor', "Gabriela Gestora do Contrato", [
            'see_atendimento.group_contract_manager']),
    'fiscal': ('fiscal', "Heitor Fiscal do Contrato", [
            'see_atendimento.group_fiscal']),
    'admin': ('administrador', "Fábio Administrador", [
            'see_atendimento.group_admin', 'res.group_admin']),
    'integration': ('integracao', "Sistema Integrado", [
            'see_atendimento.group_integration']),
    # The in-person roles have no group where see_presencial is not active
    'reception': ('recepcionista', "Rita Recepcionista", [
            'see_presencial.group_reception']),
    'desk_agent': ('guicheiro', "Gustavo do Guichê", [
            'see_presencial.group_desk_agent']),
    'site_supervisor': ('chefe-unidade', "Sara Chefe da Unidade", [
            'see_presencial.group_site_supervisor']),
    # The document roles have no group where see_documentos is not active
    'reviewer': ('analista', "Rui Analista de Documentos", [
            'see_documentos.group_reviewer']),
    'review_supervisor': ('supervisor-analise', "Sofia Supervisora da Análise", [
            'see_documentos.group_review_supervisor']),
    'dpo': ('encarregado', "Diana Encarregada de Dados", [
            'see_atendimento.group_dpo']),
    }
ROOT_PASSWORD = 'admin-Senha-de-teste-1'
_MARKER = 'SEE-SERVER-DATA '


def password(role):
    "The password of the user of role"
    return f'{ROLES[role][0]}-Senha-de-teste-1'


def addon_modules():
    "Names of the see_* modules under addons/ (or in SEE_TEST_MODULES)"
    if os.environ.get('SEE_TEST_MODULES'):
        return os.environ['SEE_TEST_MODULES'].replace(',', ' ').split()
    return sorted(
        p.parent.name for p in ROOT.glob('addons/*/tryton.cfg')
        if p.parent.name.startswith('see_'))


def _check_installed(modules):
    from importlib.metadata import entry_points
    installed = {e.name for e in entry_points(group='trytond.modules')}
    missing = [m for m in modules if m not in installed]
    if missing:
        raise RuntimeError(
            f"modules {', '.join(missing)} are not installed as trytond "
            "modules: add them to pyproject.toml and run "
            "`.venv/bin/pip install -e .` (make install)")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _config_variant(config_file, suffix, sections):
    """Return the path of a copy of config_file with the options of
    sections ({section: {option: value}}) set"""
    config = configparser.RawConfigParser()
    config.read(config_file, encoding='utf-8')
    for name, options in sections.items():
        if not config.has_section(name):
            config.add_section(name)
        for option, value in options.items():
            config.set(name, option, value)
    path = f'{config_file}.{suffix}'
    with open(path, 'w', encoding='utf-8') as target:
        config.write(target)
    return path


def limited_config(config_file, active):
    """Return the path of a copy of config_file with the middlewares of
    config/production.conf, at most active requests at once per worker"""
    production = configparser.RawConfigParser()
    production.read(ROOT / 'config' / 'production.conf', encoding='utf-8')
    return _config_variant(config_file, 'limited', {
            'wsgi middleware': production['wsgi middleware'],
            'see_atendimento': {'active_requests': str(active)},
            })


def _terminate(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path, size=5000):
    "The end of a log file (all of it with size None)"
    try:
        with open(path) as file:
            text = file.read()
            return text[-size:] if size else text
    except OSError:
        return ''


def _database_uri():
    return os.environ.get('TRYTOND_DATABASE__URI') or 'postgresql:///'


def _connect(dbname):
    import psycopg
    uri = urllib.parse.urlsplit(_database_uri())
    params = {'dbname': dbname, 'autocommit': True}
    if uri.hostname:
        params['host'] = urllib.parse.unquote(uri.hostname)
    if uri.port:
        params['port'] = uri.port
    if uri.username:
        params['user'] = urllib.parse.unquote(uri.username)
    if uri.password:
        params['password'] = urllib.parse.unquote(uri.password)
    return psycopg.connect(**params)


def _die_with_parent():
    "Make the server end when the test process dies (Linux)"
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL('libc.so.6', use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:
        pass


def _quote(conn, value):
    from psycopg import sql
    return sql.Literal(value).as_string(conn)


class TrytonServer:
    "A trytond server on its own database; see the module's docstring"

    def __init__(self, modules=None, language='pt', web=True, env=None,
            config=None):
        self.modules = list(modules) if modules else addon_modules()
        # Options of the configuration file: {section: {option: value}}
        self.config_sections = dict(config or {})
        self.language = language
        # Environment of the served processes (TRYTOND_* settings)
        self.serve_env = dict(env or {})
        self._others = []
        self.web_root = str(SAO) if web and (SAO / 'index.html').exists() \
            else None
        self.database = None
        self.port = None
        self.users = {}
        self.records = {}
        self._process = None
        self._directory = None
        self._created = False
        self._proteus = {}

    # Life cycle ---------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f'http://127.0.0.1:{self.port}/'

    @property
    def rpc_url(self):
        return f'{self.url}{self.database}/rpc/'

    @property
    def config_file(self):
        return os.path.join(self._directory, 'trytond.conf')

    @property
    def log_file(self):
        return os.path.join(self._directory, 'trytond.log')

    def start(self):
        "Create and fill the database, then start trytond on it"
        _check_installed(self.modules)
        # Never leave a server or a database behind a crashed test run
        atexit.register(self.stop)
        self._directory = tempfile.mkdtemp(prefix='see-server-')
        self.database = 'see_test_' + uuid.uuid4().hex[:12]
        self.port = _free_port()
        try:
            self._write_config()
            if not self._from_template():
                self._create_database()
                self._initialise()
                self._populate()
                self._save_template()
            self._serve()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        "Stop trytond and drop the database"
        atexit.unregister(self.stop)
        self._proteus.clear()
        for process, log in self._others:
            _terminate(process)
            log.close()
        self._others.clear()
        if self._process is not None:
            _terminate(self._process)
            self._process = None
            self._log.close()
        keep = os.environ.get('SEE_TEST_KEEP')
        if self._created and not keep:
            with _connect('postgres') as conn:
                conn.execute(
                    f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self._created = False
        if self._directory and not keep:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    # Steps --------------------------------------------------------------

    def _write_config(self):
        config = configparser.ConfigParser(interpolation=None)
        config['database'] = {
            'uri': _database_uri(),
            'path': os.path.join(self._directory, 'filestore'),
            'language': self.language,
            'list': 'False',
            }
        config['web'] = {'listen': f'127.0.0.1:{self.port}'}
        if self.web_root:
            config['web']['root'] = self.web_root
        config['session'] = {
            # Tests log in many times from the same address
            'max_attempt': '100',
            }
        config['password'] = {
            'length': '8',
            'forbidden': str(ROOT / 'config' / 'forbidden-passwords.txt'),
            }
        for section, options in self.config_sections.items():
            config.setdefault(section, {})
            config[section].update(options)
        with open(self.config_file, 'w') as file:
            config.write(file)

    def _env(self):
        env = os.environ.copy()
        env.pop('TRYTOND_CONFIG', None)
        env.pop('DB_NAME', None)
        env['TRYTOND_DATABASE__URI'] = _database_uri()
        env['PYTHONUNBUFFERED'] = '1'
        return env

    def _run(self, args, **kwargs):
        process = subprocess.run(args, cwd=ROOT, env=kwargs.pop(
                'env', self._env()), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, **kwargs)
        if process.returncode:
            raise RuntimeError(
                f"{' '.join(map(str, args))} failed "
                f"({process.returncode}):\n{process.stdout[-5000:]}")
        return process.stdout

    def _template_name(self):
        "Name of the cached database for the current code and options"
        import hashlib
        import trytond
        digest = hashlib.sha256()
        digest.update(repr((self.modules, self.language, trytond.__version__,
                    ROLES)).encode())
        for path in sorted(ROOT.glob('addons/*/**/*')):
            if path.is_file() and path.suffix in {
                    '.py', '.xml', '.cfg', '.po', '.csv', '.json', '.svg'}:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
        return 'see_tpl_' + digest.hexdigest()[:16]

    def _from_template(self):
        "Clone the cached database if there is one; return if it was"
        if os.environ.get('SEE_TEST_CACHE', '1') == '0':
            return False
        template = self._template_name()
        with _connect('postgres') as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') "
                "FROM pg_database WHERE datname = %s", (template,)).fetchone()
            if not row or not row[0]:
                return False
            for attempt in range(5):
                try:
                    conn.execute(f'CREATE DATABASE "{self.database}" '
                        f'TEMPLATE "{template}"')
                    break
                except Exception:
                    # Another process is cloning or creating it
                    if attempt == 4:
                        return False
                    time.sleep(1 + attempt)
        self._created = True
        self._load_data(json.loads(row[0]))
        return True

    def _save_template(self):
        "Keep a copy of the filled database for the next servers"
        if os.environ.get('SEE_TEST_CACHE', '1') == '0':
            return
        template = self._template_name()
        data = json.dumps({'records': self.records,
                'users': {r: u.id for r, u in self.users.items()}})
        with _connect('postgres') as conn:
            try:
                conn.execute(f'CREATE DATABASE "{template}" '
                    f'TEMPLATE "{self.database}"')
                conn.execute(f'COMMENT ON DATABASE "{template}" IS '
                    + _quote(conn, data))
            except Exception:
                return  # created by another process meanwhile
            # Drop the copies of older code when nobody uses them
            for name, in conn.execute(
                    "SELECT datname FROM pg_database "
                    "WHERE datname LIKE 'see\\_tpl\\_%%' "
                    "AND datname != %s", (template,)).fetchall():
                try:
                    conn.execute(f'DROP DATABASE "{name}"')
                except Exception:
                    pass

    def _create_database(self):
        with _connect('postgres') as conn:
            conn.execute(f'CREATE DATABASE "{self.database}" '
                "ENCODING 'UTF8' TEMPLATE template0")
        self._created = True

    def _initialise(self):
        passfile = os.path.join(self._directory, 'admin-password')
        with open(passfile, 'w') as file:
            file.write(ROOT_PASSWORD)
        env = self._env()
        env['TRYTONPASSFILE'] = passfile
        self._run([BIN / 'trytond-admin', '-c', self.config_file,
                '-d', self.database,
                '-u', *self.modules, '--activate-dependencies',
                '-l', self.language], env=env, input='\n')

    def _populate(self):
        output = self._run([sys.executable, __file__, 'populate',
                self.config_file, self.database, self.language])
        line, = (line for line in output.splitlines()
            if line.startswith(_MARKER))
        self._load_data(json.loads(line[len(_MARKER):]))

    def _load_data(self, data):
        self.records = data['records']
        self.users = {
            role: User(ROLES[role][0], password(role), id_, ROLES[role][1])
            for role, id_ in data['users'].items()}

    def _serve(self):
        self._log = open(self.log_file, 'w')
        self._process = self._spawn(self.port, self._log)

    def serve_another(self):
        """Start another trytond process on the same database, as another
        worker of a production server, and return its URL"""
        port = _free_port()
        log = open(f'{self.log_file}.{port}', 'w')
        try:
            self._others.append((self._spawn(port, log), log))
        except BaseException:
            log.close()
            raise
        return f'http://127.0.0.1:{port}/'

    def _spawn(self, port, log):
        env = self._env()
        env.update(self.serve_env)
        config_file = self.config_file
        if port != self.port:
            # The configuration file has the last word on [web] listen
            config_file = _config_variant(config_file, port, {
                    'web': {'listen': f'127.0.0.1:{port}'}})
        process = subprocess.Popen(self.command(config_file, port, env),
            cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        url = f'http://127.0.0.1:{port}/'
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"trytond exited ({process.returncode}):\n"
                    + _tail(log.name))
            try:
                request = urllib.request.Request(
                    url + 'rpc/', method='POST',
                    data=json.dumps({'id': 0, 'params': [],
                            'method': 'common.server.version'}).encode(),
                    headers={'Content-Type': 'application/json'})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                process.terminate()
                raise RuntimeError(
                    "trytond did not answer:\n" + _tail(log.name))
            time.sleep(0.2)
        return process

    def command(self, config_file, port, env):
        """The command line of a served process (env may be changed): the
        development server of trytond; a subclass may run gunicorn"""
        return [BIN / 'trytond', '-c', config_file, '-d', self.database]

    # Helpers ------------------------------------------------------------

    def log(self):
        "The output of trytond so far"
        return _tail(self.log_file, None)

    def proteus(self, role):
        "A proteus XML-RPC configuration connected as the user of role"
        from proteus import config as pconfig
        if role not in self._proteus:
            if role == 'root':
                login, secret = 'admin', ROOT_PASSWORD
            else:
                login, secret = self.users[role].login, password(role)
            url = (f'http://{urllib.parse.quote(login)}:'
                f'{urllib.parse.quote(secret)}@127.0.0.1:{self.port}/'
                f'{self.database}/rpc/')
            self._proteus[role] = pconfig.set_xmlrpc(url)
        config = self._proteus[role]
        pconfig._CONFIG.current = config
        return _ProteusConnection(config)

    def query(self, sql, params=()):
        "Rows of a read-only query on the database"
        with _connect(self.database) as conn:
            conn.read_only = True
            return conn.execute(sql, params).fetchall()


class _ProteusConnection:
    "A proteus configuration with a `get(model)` shortcut"

    def __init__(self, config):
        self.config = config

    def get(self, name):
        from proteus import Model
        return Model.get(name, config=self.config)

    def wizard(self, name, models=None, **kwargs):
        from proteus import Wizard
        return Wizard(name, models, config=self.config, **kwargs)


class ServerTestCase(unittest.TestCase):
    "A TestCase whose class shares one `TrytonServer` as `cls.server`"
    server_options = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = TrytonServer(**cls.server_options)
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)


# Run in a subprocess by TrytonServer._populate --------------------------

def _populate(config_file, database, language):
    from proteus import Model
    from proteus import config as pconfig

    pconfig.set_trytond(database, config_file=config_file)
    Lang = Model.get('ir.lang')
    Group = Model.get('res.group')
    UserModel = Model.get('res.user')
    Unit = Model.get('see.unit')
    Service = Model.get('see.service')

    lang, = Lang.find([('code', '=', language)])

    def group(xml_id):
        "The group of xml_id, None when its module is not activated"
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        with Transaction().start(database, 0, readonly=True):
            ModelData = Pool().get('ir.model.data')
            try:
                return Group(ModelData.get_id(*xml_id.split('.')))
            except KeyError:
                return None

    admin, = UserModel.find([('login', '=', 'admin')])
    admin.language = lang
    admin.save()

    users = {}
    for role, (login, name, groups) in ROLES.items():
        user = UserModel(login=login, name=name, language=lang,
            password=password(role))
        for xml_id in groups:
            record = group(xml_id)
            if record is not None:
                user.groups.append(record)
        user.save()
        users[role] = user.id

    unit = Unit(name="Gerência de Matrícula", code='GEMAT')
    unit.users.append(UserModel(users['unit']))
    unit.save()
    service = Service(name="Matrícula", code='MATRICULA', kind='rotineiro',
        unit=unit)
    service.save()
    print(_MARKER + json.dumps({
                'users': users,
                'records': {'unit': unit.id, 'service': service.id},
                }))


if __name__ == '__main__':
    if sys.argv[1:2] == ['populate']:
        _populate(*sys.argv[2:5])
    else:
        sys.exit(f"usage: {sys.argv[0]} populate CONFIG DATABASE LANGUAGE")
