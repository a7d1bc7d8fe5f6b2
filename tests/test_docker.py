# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The production files of docker/, checked without a Docker engine: the
compose file has PostgreSQL 15, trytond and trytond-cron on the same
configuration, database and volumes, and coturn for the video rooms; the Dockerfile installs the project
and the web client and exposes the port the compose file publishes."""
import configparser
import re
import shlex
import unittest
from pathlib import PurePosixPath, Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / 'docker'
COMPOSE = DOCKER / 'compose.yaml'
DOCKERFILE = DOCKER / 'Dockerfile'
PRODUCTION = ROOT / 'config' / 'production.conf'


def dockerfile_stages(path):
    """Return the stages of a Dockerfile as lists of (INSTRUCTION, argument)
    with continuation lines joined and comments dropped"""
    lines, current = [], ''
    for line in path.read_text(encoding='utf-8').splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith('#')):
            continue
        if stripped.startswith('#'):
            continue
        if stripped.endswith('\\'):
            current += stripped[:-1] + ' '
            continue
        lines.append(current + stripped)
        current = ''
    stages = []
    for line in lines:
        instruction, _, argument = line.partition(' ')
        instruction = instruction.upper()
        if instruction == 'FROM':
            stages.append([])
        stages[-1].append((instruction, argument.strip()))
    return stages


def variable(value):
    "The name of the variable of a ${NAME...} compose interpolation"
    match = re.fullmatch(r'\$\{(\w+)(?::?[-?+].*)?\}', str(value))
    return match.group(1) if match else None


class ComposeTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        with open(COMPOSE, encoding='utf-8') as file:
            cls.compose = yaml.safe_load(file)
        cls.services = cls.compose['services']
        cls.production = configparser.RawConfigParser()
        cls.production.read(PRODUCTION, encoding='utf-8')

    def volume_targets(self, service):
        "Map the named volumes of service to their mount point"
        result = {}
        for volume in self.services[service].get('volumes', []):
            if isinstance(volume, dict):
                source, target = volume['source'], volume['target']
            else:
                source, target = volume.split(':')[:2]
            result[source] = target
        return result

    def test_services(self):
        "PostgreSQL, the application and the scheduler"
        self.assertLessEqual(
            {'postgres', 'trytond', 'trytond-cron'}, set(self.services))

    def test_postgres(self):
        "PostgreSQL 15 keeps its data in a named volume and has a health check"
        postgres = self.services['postgres']
        image, _, tag = postgres['image'].partition(':')
        self.assertEqual(image, 'postgres')
        self.assertEqual(tag.split('-')[0].split('.')[0], '15')
        volumes = self.volume_targets('postgres')
        self.assertIn('/var/lib/postgresql/data', volumes.values())
        for source in volumes:
            self.assertIn(source, self.compose['volumes'])
        self.assertIn('healthcheck', postgres)
        self.assertEqual(
            variable(postgres['environment']['POSTGRES_PASSWORD']),
            'POSTGRES_PASSWORD', "the password must come from outside")

    def test_trytond_and_cron_share_everything(self):
        "trytond and trytond-cron: same image, configuration, database, files"
        trytond = self.services['trytond']
        cron = self.services['trytond-cron']
        self.assertEqual(trytond['image'], cron['image'])
        self.assertEqual(trytond.get('build'), cron.get('build'))
        for name in ['TRYTOND_CONFIG', 'TRYTOND_DATABASE_NAMES',
                'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD']:
            with self.subTest(variable=name):
                self.assertEqual(
                    trytond['environment'][name], cron['environment'][name])
        self.assertEqual(
            self.volume_targets('trytond'), self.volume_targets('trytond-cron'))

    def test_database_connection(self):
        "Both reach the database the postgres service creates"
        postgres = self.services['postgres']['environment']
        for name in ['trytond', 'trytond-cron']:
            with self.subTest(service=name):
                service = self.services[name]
                env = service['environment']
                self.assertEqual(env['PGHOST'], 'postgres')
                self.assertEqual(env['PGUSER'], postgres['POSTGRES_USER'])
                self.assertEqual(variable(env['PGPASSWORD']),
                    variable(postgres['POSTGRES_PASSWORD']))
                self.assertEqual(
                    env['TRYTOND_DATABASE_NAMES'], postgres['POSTGRES_DB'])
                self.assertEqual(
                    service['depends_on']['postgres']['condition'],
                    'service_healthy')

    def test_filestore_volume(self):
        "The filestore of production.conf is a named volume"
        path = self.production.get('database', 'path')
        for name in ['trytond', 'trytond-cron']:
            with self.subTest(service=name):
                volumes = self.volume_targets(name)
                self.assertIn(path, volumes.values())
                source, = [s for s, t in volumes.items() if t == path]
                self.assertIn(source, self.compose['volumes'])

    def test_configuration_is_production(self):
        "TRYTOND_CONFIG is config/production.conf as copied in the image"
        stages = dockerfile_stages(DOCKERFILE)
        final = stages[-1]
        workdir = [a for i, a in final if i == 'WORKDIR'][-1]
        config = self.services['trytond']['environment']['TRYTOND_CONFIG']
        relative = PurePosixPath(config).relative_to(workdir)
        self.assertEqual(ROOT / relative, PRODUCTION)
        self.assertIn(('COPY', 'config ./config'), final)

    def test_cron_command(self):
        "The scheduler runs trytond-cron on the same configuration and database"
        cron = self.services['trytond-cron']
        command = cron['command']
        if isinstance(command, str):
            command = shlex.split(command)
        self.assertEqual(command[0], 'trytond-cron')
        config = command[command.index('-c') + 1]
        self.assertEqual(config, cron['environment']['TRYTOND_CONFIG'])
        database = command[command.index('-d') + 1]
        self.assertEqual(database, cron['environment']['TRYTOND_DATABASE_NAMES'])
        self.assertNotIn('ports', cron)

    def test_published_port(self):
        "The application publishes the port it listens on, on the loopback"
        stages = dockerfile_stages(DOCKERFILE)
        exposed = {a for i, a in stages[-1] if i == 'EXPOSE'}
        listen = self.production.get('web', 'listen').rsplit(':', 1)[1]
        self.assertIn(listen, exposed)
        ports = self.services['trytond']['ports']
        self.assertIn(f'127.0.0.1:8000:{listen}', ports)

    def coturn_options(self):
        "{option: [values]} of the coturn command line"
        options = {}
        for argument in self.services['coturn']['command']:
            name, _, value = argument.partition('=')
            options.setdefault(name, []).append(value)
        return options

    def test_coturn(self):
        """coturn, the STUN/TURN server of the video rooms, on its own
        profile: authenticated by a secret from outside that trytond
        shares, a bounded relay port range, no relay to private
        networks"""
        import ipaddress
        coturn = self.services['coturn']
        image, _, tag = coturn['image'].partition(':')
        self.assertEqual(image, 'coturn/coturn')
        self.assertTrue(tag)
        self.assertEqual(coturn['profiles'], ['video'])
        self.assertEqual(coturn['network_mode'], 'host')
        options = self.coturn_options()
        self.assertIn('--use-auth-secret', options)
        secret, = options['--static-auth-secret']
        self.assertEqual(variable(secret), 'SEE_TURN_SECRET')
        env = self.services['trytond']['environment']
        self.assertEqual(variable(env['TRYTOND_SEE_AGENDAMENTO__ICE_SECRET']),
            variable(secret))
        self.assertTrue(variable(
                env['TRYTOND_SEE_AGENDAMENTO__ICE_SERVERS']))
        self.assertEqual(options['--listening-port'], ['3478'])
        low, = map(int, options['--min-port'])
        high, = map(int, options['--max-port'])
        self.assertLess(0, high - low)
        self.assertLessEqual(high - low, 1000)
        self.assertIn('--no-cli', options)
        denied = [[ipaddress.ip_address(a) for a in v.split('-')]
            for v in options['--denied-peer-ip']]
        for address in ['10.1.2.3', '172.20.0.1', '192.168.1.1',
                '127.0.0.1', '169.254.1.1', '::1', 'fd00::1']:
            with self.subTest(address=address):
                address = ipaddress.ip_address(address)
                self.assertTrue(any(
                        r[0].version == address.version
                        and r[0] <= address <= r[-1] for r in denied))

    def test_build_context(self):
        "The build context is the repository root and names the Dockerfile"
        build = self.services['trytond']['build']
        context = (COMPOSE.parent / build['context']).resolve()
        self.assertEqual(context, ROOT)
        self.assertEqual((context / build['dockerfile']).resolve(), DOCKERFILE)


class DockerfileTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.stages = dockerfile_stages(DOCKERFILE)
        cls.final = cls.stages[-1]
        cls.production = configparser.RawConfigParser()
        cls.production.read(PRODUCTION, encoding='utf-8')

    def instructions(self, name, stage=None):
        stage = self.final if stage is None else stage
        return [a for i, a in stage if i == name]

    def test_python_base(self):
        "The final image is Python 3.11 or later"
        image = self.instructions('FROM')[0].split()[0]
        name, _, tag = image.partition(':')
        self.assertEqual(name, 'python')
        major, minor = map(int, tag.split('-')[0].split('.')[:2])
        self.assertGreaterEqual((major, minor), (3, 11))

    def test_installs_project(self):
        "The project is copied and installed with pip, with gunicorn"
        copies = self.instructions('COPY')
        self.assertIn('pyproject.toml README.md ./', copies)
        self.assertIn('addons ./addons', copies)
        runs = ' '.join(self.instructions('RUN'))
        self.assertRegex(runs, r'pip install (-e |--editable )?\.(\s|$)')
        self.assertIn('gunicorn', runs)
        for source in ['pyproject.toml', 'README.md', 'addons', 'config']:
            with self.subTest(source=source):
                self.assertTrue((ROOT / source).exists())

    def test_web_client(self):
        "tryton-sao 8.0 is installed where production.conf serves it from"
        sao = self.stages[0]
        runs = ' '.join(a for i, a in sao if i == 'RUN')
        self.assertIn('tryton-sao@8.0', runs)
        self.assertIn('--legacy-peer-deps', runs)
        workdir = self.instructions('WORKDIR')[-1]
        copied = {a.split()[1]: PurePosixPath(workdir, a.split()[-1])
            for a in self.instructions('COPY') if a.startswith('--from=sao ')}
        self.assertEqual(
            str(copied['/opt/sao/node_modules/tryton-sao']),
            self.production.get('web', 'root'))

    def test_design_system(self):
        """@govbr-ds/core is installed beside the web client, where the
        citizens' pages find it (see_atendimento.web.govbr_root)"""
        sao = self.stages[0]
        runs = ' '.join(a for i, a in sao if i == 'RUN')
        self.assertIn('@govbr-ds/core@', runs)
        workdir = self.instructions('WORKDIR')[-1]
        copied = {a.split()[1]: PurePosixPath(workdir, a.split()[-1])
            for a in self.instructions('COPY') if a.startswith('--from=sao ')}
        web_root = PurePosixPath(self.production.get('web', 'root'))
        self.assertEqual(
            copied['/opt/sao/node_modules/@govbr-ds/core/dist'],
            web_root.parent / '@govbr-ds' / 'core' / 'dist')

    def test_exposes_port(self):
        "The image exposes the port production.conf listens on"
        listen = self.production.get('web', 'listen').rsplit(':', 1)[1]
        self.assertIn(listen, self.instructions('EXPOSE'))

    def test_runs_unprivileged(self):
        "The service does not run as root and keeps its files in a volume"
        users = self.instructions('USER')
        self.assertTrue(users)
        self.assertNotIn(users[-1], {'root', '0'})
        volumes = ' '.join(self.instructions('VOLUME'))
        self.assertIn(self.production.get('database', 'path'), volumes)

    def test_serves_wsgi_application(self):
        "The default command serves trytond's WSGI application with workers"
        command = self.instructions('CMD')[-1]
        self.assertIn('gunicorn', command)
        self.assertIn('trytond.application:app', command)
        # Long polls (the bus of every web client, the webchat) would each
        # hold a synchronous worker
        self.assertIn('"gthread"', command)
        self.assertRegex(command, r'"--threads", "(\d{2,})"')
        env = ' '.join(self.instructions('ENV'))
        self.assertIn('TRYTOND_CONFIG=', env)
        self.assertIn('TRYTOND_DATABASE_NAMES=', env)
        self.assertRegex(env, r'WEB_CONCURRENCY=([2-9]|\d\d)')


if __name__ == '__main__':
    unittest.main()
