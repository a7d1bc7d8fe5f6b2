"""The speed of the machine a benchmark ran on, as one figure

The aims of the benchmarks are set for "this 2-core machine", but the
machines a session gets differ: the same code gave 49 protocols/s in one
session and 15/s in the next. Each benchmark prints the time of a fixed piece of
pure Python (dict and string work, as a Tryton request does) on one core,
so that figures from two machines can be compared. Measured before the
load starts, best of 3.
"""
import time

STEPS = 2_000_000


def _workload():
    values = {}
    for i in range(STEPS):
        key = 'k%d' % (i % 1000)
        values[key] = values.get(key, 0) + i
    return len(values)


def reference_seconds(repeat=3):
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        _workload()
        timings.append(time.perf_counter() - start)
    return min(timings)


def describe():
    return (f'machine reference: {reference_seconds():.2f} s for '
        f'{STEPS:,} steps of dict and string work on one core '
        '(lower is faster; compare figures only between close references)')
