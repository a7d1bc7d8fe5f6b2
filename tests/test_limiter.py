# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The request limiter of the workers (addons/see_atendimento/limiter.py):
it runs a few requests at a time, lets the long polls wait apart and frees
its slot before the body is sent."""
import importlib
import threading
import time
import unittest

from trytond.modules.see_atendimento.limiter import (
    LONG_POLLS, ActiveRequestLimiter, register_long_poll)


class Application:
    "A WSGI application that takes a while and counts who is inside"

    def __init__(self, seconds=0.05):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        if environ['PATH_INFO'].endswith('/bus'):
            self.release.wait(5)
        else:
            time.sleep(self.seconds)
        with self.lock:
            self.inside -= 1
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'ok']


def request(app, path, results):
    environ = {'PATH_INFO': path, 'REQUEST_METHOD': 'POST'}
    body = app(environ, lambda status, headers: None)
    results.append(b''.join(body))


def run(app, paths):
    results = []
    threads = [threading.Thread(target=request, args=(app, p, results))
        for p in paths]
    for thread in threads:
        thread.start()
    return threads, results


class ActiveRequestLimiterTestCase(unittest.TestCase):

    def test_runs_a_few_at_a_time(self):
        "Twelve requests at once run two at a time and all get their answer"
        inner = Application()
        threads, results = run(ActiveRequestLimiter(inner, active=2),
            ['/see/rpc/'] * 12)
        for thread in threads:
            thread.join(10)
        self.assertEqual(results, [b'ok'] * 12)
        self.assertEqual(inner.most, 2)

    def test_served_in_arrival_order(self):
        """The requests waiting for a slot get it in the order they came:
        one that arrives as a slot is freed does not overtake them"""
        order = []
        gate = threading.Event()

        def inner(environ, start_response):
            if environ['PATH_INFO'] == '/see/first':
                gate.wait(5)
            order.append(environ['PATH_INFO'])
            return [b'ok']
        app = ActiveRequestLimiter(inner, active=1)
        threads, _ = run(app, ['/see/first'])
        for index in range(6):
            more, _ = run(app, [f'/see/{index}'])
            threads += more
            deadline = time.monotonic() + 5
            while app.slots.waiting <= index and time.monotonic() < deadline:
                time.sleep(0.001)
        # Newcomers race the waiters for the slot that is freed
        gate.set()
        late, _ = run(app, ['/see/late'] * 3)
        for thread in threads + late:
            thread.join(10)
        self.assertEqual(order[:7],
            ['/see/first'] + [f'/see/{i}' for i in range(6)])
        self.assertEqual(order[7:], ['/see/late'] * 3)
        self.assertEqual(app.slots.free, 1)

    def test_long_polls_wait_apart(self):
        """Long polls that wait do not take the slots: the requests behind
        them are served while they wait"""
        inner = Application()
        app = ActiveRequestLimiter(inner, active=1)
        # Registered by a module after the middleware was made
        register_long_poll(r'/[^/]+/test_module/news')
        self.addCleanup(LONG_POLLS.remove, r'/[^/]+/test_module/news')
        polls, poll_results = run(app, ['/see/bus'] * 3
            + ['/see/test_module/news'])
        calls, call_results = run(app, ['/see/rpc/'] * 3)
        for thread in calls:
            thread.join(10)
        self.assertEqual(call_results, [b'ok'] * 3)
        self.assertEqual(poll_results[:1], [b'ok'])
        inner.release.set()
        for thread in polls:
            thread.join(10)
        self.assertEqual(len(poll_results), 4)

    def test_modules_register_their_long_polls(self):
        """The lower module names no URL of the modules above it: each
        registers its own long polls when its routes are imported"""
        from pathlib import Path
        import trytond.modules.see_atendimento.limiter as limiter
        source = Path(limiter.__file__).read_text()
        for name in ['see_webchat', 'see_presencial']:
            self.assertNotIn(name, source)
        # Their routes register them when imported
        for name in ['see_presencial.pages', 'see_webchat.routes']:
            importlib.import_module('trytond.modules.' + name)
        app = ActiveRequestLimiter(Application(), active=1)
        for path in ['/db/see_webchat/api/sessions/12',
                '/db/see_webchat/agent/state',
                '/db/see_presencial/panel/calls']:
            with self.subTest(path=path):
                self.assertTrue(app._long_poll().fullmatch(path))
        self.assertFalse(app._long_poll().fullmatch(
                '/db/see_webchat/api/sessions/12/messages'))

    def test_slot_freed_before_the_body(self):
        "A body sent slowly (a file) does not hold the slot"
        def streaming(environ, start_response):
            start_response('200 OK', [])

            def body():
                yield b'a'
                time.sleep(0.5)
                yield b'b'
            return body()
        app = ActiveRequestLimiter(streaming, active=1)
        first = iter(app({'PATH_INFO': '/see/report'}, lambda *a: None))
        self.assertEqual(next(first), b'a')
        start = time.monotonic()
        second = app({'PATH_INFO': '/see/rpc/'}, lambda *a: None)
        self.assertLess(time.monotonic() - start, 0.4)
        self.assertEqual(b''.join(second), b'ab')

    def hold_the_slot(self, app, inner):
        """Run a request that keeps the only slot until inner.release
        (its path ends with /bus but is no long poll)"""
        threads, results = run(app, ['/see/held/bus'])
        deadline = time.monotonic() + 5
        while inner.inside < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(inner.inside, 1)

        def end():
            inner.release.set()
            for thread in threads:
                thread.join(10)
            self.assertEqual(results, [b'ok'])
        return end

    def test_queue_timeout(self):
        """A request that waited queue_timeout for its turn is answered 503
        in Portuguese, with Retry-After, and is not run"""
        import json
        inner = Application()
        app = ActiveRequestLimiter(inner, active=1)
        app.queue_timeout = 0.2
        end = self.hold_the_slot(app, inner)
        statuses = []
        start = time.monotonic()
        body = b''.join(app({'PATH_INFO': '/see/rpc/'},
                lambda status, headers: statuses.append(
                    (status, dict(headers)))))
        waited = time.monotonic() - start
        end()
        (status, headers), = statuses
        self.assertTrue(status.startswith('503'), status)
        self.assertIn('Retry-After', headers)
        self.assertIn('Tente novamente', json.loads(body)['error']['message'])
        self.assertGreaterEqual(waited, 0.2)
        self.assertLess(waited, 2)
        # The slot is free again and handed in order
        self.assertEqual(b''.join(app({'PATH_INFO': '/see/rpc/'},
                    lambda *a: None)), b'ok')

    def test_database_free_calls_do_not_queue(self):
        "common.server.version (POST /rpc/) runs while every slot is taken"
        from werkzeug.test import EnvironBuilder
        inner = Application()
        app = ActiveRequestLimiter(inner, active=1)
        # Queued, it would be refused after 2 s (instead of waiting forever)
        app.queue_timeout = 2
        end = self.hold_the_slot(app, inner)
        version = EnvironBuilder(path='/rpc/', method='POST').get_environ()
        start = time.monotonic()
        self.assertEqual(b''.join(app(version, lambda *a: None)), b'ok')
        self.assertLess(time.monotonic() - start, 1)
        end()

    def test_active_from_configuration(self):
        "Without a count, the count of [see_atendimento] active_requests"
        from trytond import config
        app = ActiveRequestLimiter(lambda e, s: [])
        self.assertEqual(app.slots.free, config.getint(
                'see_atendimento', 'active_requests', default=2))
        with self.assertRaises(ValueError):
            ActiveRequestLimiter(lambda e, s: [], active=0)


if __name__ == '__main__':
    unittest.main()
