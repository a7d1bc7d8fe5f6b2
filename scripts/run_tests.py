"""Run every test suite of the project against PostgreSQL.

Each addon's `tests` package and the cross-module `tests/` folder run in
their own process (Tryton's test pool is per process), two at a time on
this project's 2-core machines. A fresh database cache is used for every
run so that a changed module is never tested from a stale dump.

The server is the one of TRYTOND_DATABASE__URI (default postgresql:///)
when it answers; otherwise a cluster of the project's own is started under
var/postgres-test for the run (scripts/pgcluster.py) and stopped at the end.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pgcluster

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / 'var' / 'test-cache'
RAN = re.compile(r'^Ran (\d+) tests? in', re.M)
RESULT = re.compile(r'^(OK|FAILED)(?: \((.*)\))?$', re.M)


def suites(selected):
    names = sorted(p.parent.name for p in ROOT.glob('addons/*/tryton.cfg'))
    result = []
    for name in names:
        modules = sorted(f'trytond.modules.{name}.tests.{p.stem}'
            for p in (ROOT / 'addons' / name / 'tests').glob('test_*.py'))
        if modules:
            result.append((name, ['-m', 'unittest', *modules]))
    if (ROOT / 'tests' / '__init__.py').exists():
        # First: it takes longer than the addons' suites together, and
        # started last it ran alone at the end while a core sat idle
        result.insert(0, ('tests', ['-m', 'unittest', 'discover',
                    '-s', 'tests', '-t', '.', '-p', 'test_*.py']))
    if selected:
        result = [s for s in result if s[0] in selected]
    return result


def run(name, args):
    env = os.environ.copy()
    env['DB_NAME'] = f'test_{name}_{os.getpid()}_{int(time.time())}'
    env['DB_CACHE'] = str(CACHE / name)
    env['PYTHONUNBUFFERED'] = '1'
    start = time.monotonic()
    process = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return name, process.returncode, process.stdout, time.monotonic() - start


def count(output):
    ran = sum(int(n) for n in RAN.findall(output))
    failed = skipped = 0
    for _, details in RESULT.findall(output):
        for part in filter(None, (details or '').split(', ')):
            key, value = part.split('=')
            if key in {'failures', 'errors', 'unexpected successes'}:
                failed += int(value)
            elif key == 'skipped':
                skipped += int(value)
    return ran, failed, skipped


def database_server():
    """Point TRYTOND_DATABASE__URI at a PostgreSQL that answers and return
    the cluster started for the run, if one was"""
    uri = os.environ.setdefault('TRYTOND_DATABASE__URI', 'postgresql:///')
    if pgcluster.reachable(uri):
        return None
    cluster = pgcluster.Cluster(ROOT / 'var' / 'postgres-test')
    print(f"PostgreSQL não respondeu em {uri!r}: os testes usam um "
        f"servidor próprio em {cluster.path}.", flush=True)
    try:
        os.environ['TRYTOND_DATABASE__URI'] = cluster.start()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"{error}\nNão foi possível iniciar o PostgreSQL próprio; "
            "defina TRYTOND_DATABASE__URI, por exemplo "
            "TRYTOND_DATABASE__URI=postgresql://usuario@127.0.0.1:5432/ "
            "make test")
    # The test database cache dumps and restores with the server's version
    os.environ['PATH'] = os.pathsep.join(
        [str(pgcluster.bin_dir()), os.environ.get('PATH', '')])
    return cluster


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('suite', nargs='*', help="only these suites")
    parser.add_argument('-j', '--jobs', type=int, default=2)
    options = parser.parse_args()
    cluster = database_server()
    try:
        return run_suites(options)
    finally:
        if cluster:
            cluster.stop()


def run_suites(options):
    selected = suites(options.suite)
    for name, _ in selected:
        shutil.rmtree(CACHE / name, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    passed = failed = skipped = 0
    broken = []
    with concurrent.futures.ThreadPoolExecutor(options.jobs) as executor:
        futures = [executor.submit(run, n, a) for n, a in selected]
        for future in concurrent.futures.as_completed(futures):
            name, code, output, duration = future.result()
            print(f'===== {name} ({duration:.0f} s) =====')
            print(output, flush=True)
            ran, fails, skips = count(output)
            if code and not fails:
                # A suite that crashed before reporting counts as one failure
                fails = 1
                ran = max(ran, 1)
            if code:
                broken.append(name)
            passed += ran - fails - skips
            failed += fails
            skipped += skips
    if broken:
        print('Suites with failures: ' + ', '.join(sorted(broken)))
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed or broken else 0


if __name__ == '__main__':
    sys.exit(main())
