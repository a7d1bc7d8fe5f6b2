"""How the benchmarks print their durations"""
from protocol_rpc import percentile  # bench/protocol_rpc.py


def ms(seconds, digits=0):
    return f'{seconds * 1000:.{digits}f} ms'


def quantiles(values, fractions=(.5, .95, .99), digits=0):
    return ', '.join(
        f'p{round(f * 100)} {ms(percentile(values, f), digits)}'
        for f in fractions)
