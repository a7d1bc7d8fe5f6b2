# Central de Atendimento SEE — gunicorn settings of the production image
# (docker/Dockerfile runs `gunicorn -c config/gunicorn.conf.py ...`).
#
# A graceful stop (SIGTERM: docker stop, a deployment) lets the running
# requests finish, up to graceful_timeout. The long polls (webchat pages,
# agents' consoles, the web client's bus) would hold it for their whole
# wait and the connections arriving meanwhile were reset: on SIGTERM each
# worker answers them at once with nothing new, and the pages ask again
# (addons/see_atendimento/faults.py).
import signal

graceful_timeout = 10


def post_worker_init(worker):
    from trytond.modules.see_atendimento import faults
    faults.stop_on_signal(signal.SIGTERM)


def child_exit(server, worker):
    # Prometheus' multi-process mode: a dead worker's live gauges must not
    # be added up any more (its counters and histograms stay in the totals)
    import os
    if os.environ.get('PROMETHEUS_MULTIPROC_DIR'):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
