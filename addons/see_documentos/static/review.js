/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The reviewer's page. Data from /<database>/see_documentos/revisao/...
   with the Tryton session; every decision is a POST that the server runs
   through the documents' buttons, so what it refuses is shown with its
   message. The region is dragged on the picture of the page and sent as
   fractions of it: left, top, width, height. */
(function() {
    'use strict';

    var PATH = /^(.*)\/([^/]+)\/see_documentos\/revisao\/?$/;
    var state = {
        database: null,
        task: null,
        document: null,
        region: null,
    };
    var $ = SeeWeb.$;
    var show = SeeWeb.show;
    var request = SeeWeb.request;

    function pageUrl(database) {
        return SeeWeb.databaseUrl(database, '/see_documentos/revisao');
    }

    function api(path) {
        return pageUrl(state.database) + path;
    }

    function message(text) {
        $('message').textContent = text || '';
        show('message', Boolean(text));
    }

    function notify(text) {
        $('notice').textContent = text || '';
    }

    function errorText(response) {
        var json = response.json;
        return (json && json.error && json.error.message) ||
            'Erro ao falar com o servidor (' + response.status + ').';
    }

    function item(text, buttonText, onClick, className) {
        var li = document.createElement('li');
        var span = document.createElement('span');
        span.textContent = text;
        if (className) {
            span.className = className;
        }
        li.appendChild(span);
        if (buttonText) {
            var button = document.createElement('button');
            button.type = 'button';
            button.textContent = buttonText;
            button.addEventListener('click', onClick);
            li.appendChild(button);
        }
        return li;
    }

    function clear(node) {
        while (node.firstChild) {
            node.removeChild(node.firstChild);
        }
    }

    function taskText(task) {
        return task.protocol + ' — ' + task.requester + ' — ' +
            task.checklist + ' (ciclo ' + task.cycle + ')';
    }

    function loadTasks() {
        return request('GET', api('/tarefas')).then(function(response) {
            if (response.status === 401) {
                SeeWeb.loginForm(options);
                return;
            }
            if (response.status !== 200) {
                message(errorText(response));
                return;
            }
            var data = response.json;
            SeeWeb.setUser(data.user, state.database);
            show('workspace', true);
            clear($('queue'));
            data.queue.forEach(function(task) {
                $('queue').appendChild(item(taskText(task), 'Pegar tarefa',
                    function() {
                        action(task.id, 'pegar');
                    }, task.late ? 'late' : null));
            });
            show('queue-empty', !data.queue.length);
            clear($('mine'));
            data.mine.forEach(function(task) {
                $('mine').appendChild(item(taskText(task), 'Abrir',
                    function() {
                        openTask(task.id);
                    }));
            });
            show('mine-empty', !data.mine.length);
        });
    }

    function action(taskId, name) {
        request('POST', api('/tarefa/' + taskId + '/' + name), {})
            .then(function(response) {
                if (response.status !== 200) {
                    message(errorText(response));
                    loadTasks();
                    return;
                }
                message('');
                if (name === 'pegar') {
                    notify('Tarefa pega.');
                    loadTasks().then(function() {
                        openTask(taskId);
                    });
                } else {
                    notify('Análise concluída: ' +
                        response.json.state_string + '.');
                    show('task', false);
                    loadTasks();
                }
            });
    }

    function openTask(taskId) {
        request('GET', api('/tarefa/' + taskId)).then(function(response) {
            if (response.status !== 200) {
                message(errorText(response));
                return;
            }
            var task = response.json;
            state.task = task;
            $('task-title').textContent = 'Protocolo ' + task.protocol;
            $('task-facts').textContent = task.requester + ' — ' +
                task.checklist + ' — ' + task.state_string;
            clear($('documents'));
            task.documents.forEach(function(doc) {
                $('documents').appendChild(item(
                    doc.item + ': ' + doc.filename + ' (' + doc.pages +
                    ' p.) — ' + doc.state_string,
                    doc.state === 'pending' ? 'Analisar' : null,
                    function() {
                        openDocument(doc);
                    }, 'state-' + doc.state));
            });
            clear($('reason'));
            var none = document.createElement('option');
            none.value = '';
            none.textContent = '—';
            $('reason').appendChild(none);
            task.reasons.forEach(function(reason) {
                var option = document.createElement('option');
                option.value = reason.id;
                option.textContent = reason.name;
                $('reason').appendChild(option);
            });
            show('viewer', false);
            show('task', true);
        });
    }

    function openDocument(doc) {
        state.document = doc;
        $('viewer-title').textContent = doc.item + ' — ' + doc.filename;
        clear($('page'));
        for (var page = 1; page <= doc.pages; page++) {
            var option = document.createElement('option');
            option.value = page;
            option.textContent = page;
            $('page').appendChild(option);
        }
        $('note').value = '';
        $('reason').value = '';
        $('validity').value = '';
        show('viewer', true);
        showPage();
    }

    function showPage() {
        setRegion(null);
        var image = $('page-image');
        image.alt = 'Página ' + $('page').value + ' de ' +
            state.document.filename;
        image.src = api('/documento/' + state.document.id + '/pagina/' +
            $('page').value);
        show('no-preview', false);
    }

    function setRegion(region) {
        state.region = region;
        var mark = $('mark');
        if (!region) {
            mark.hidden = true;
            return;
        }
        mark.style.left = (region[0] * 100) + '%';
        mark.style.top = (region[1] * 100) + '%';
        mark.style.width = (region[2] * 100) + '%';
        mark.style.height = (region[3] * 100) + '%';
        mark.hidden = false;
    }

    function setupDrawing() {
        var canvas = $('canvas');
        var start = null;

        function point(event) {
            var box = canvas.getBoundingClientRect();
            return [
                Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
                Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
            ];
        }

        function region(a, b) {
            return [Math.min(a[0], b[0]), Math.min(a[1], b[1]),
                Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])];
        }

        canvas.addEventListener('pointerdown', function(event) {
            start = point(event);
            canvas.setPointerCapture(event.pointerId);
            event.preventDefault();
        });
        canvas.addEventListener('pointermove', function(event) {
            if (start) {
                setRegion(region(start, point(event)));
            }
        });
        canvas.addEventListener('pointerup', function(event) {
            if (!start) {
                return;
            }
            var marked = region(start, point(event));
            start = null;
            setRegion(marked[2] > 0.005 && marked[3] > 0.005 ? marked : null);
            if (state.region) {
                notify('Região marcada na página ' + $('page').value + '.');
            }
        });
    }

    function decide(decision) {
        var body = {decision: decision};
        if ($('validity').value) {
            body.validity_date = $('validity').value;
        }
        if (decision === 'reject') {
            body.reason = $('reason').value ?
                parseInt($('reason').value, 10) : null;
            body.note = $('note').value;
            body.page = parseInt($('page').value, 10);
            body.region = state.region;
        }
        request('POST', api('/documento/' + state.document.id), body)
            .then(function(response) {
                if (response.status !== 200) {
                    message(errorText(response));
                    return;
                }
                message('');
                notify(state.document.item + ': ' +
                    response.json.state_string + '.');
                openTask(state.task.id);
            });
    }

    var options = {
        path: PATH,
        pageUrl: pageUrl,
        message: message,
        load: function() {
            loadTasks();
        },
        hide: function() {
            show('workspace', false);
        },
    };

    document.addEventListener('DOMContentLoaded', function() {
        $('page').addEventListener('change', showPage);
        $('page-image').addEventListener('error', function() {
            show('no-preview', true);
        });
        $('clear-mark').addEventListener('click', function() {
            setRegion(null);
        });
        $('approve').addEventListener('click', function() {
            decide('approve');
        });
        $('reject').addEventListener('click', function() {
            decide('reject');
        });
        $('conclude').addEventListener('click', function() {
            action(state.task.id, 'concluir');
        });
        setupDrawing();
        state.database = SeeWeb.page(options);
        if (state.database) {
            loadTasks();
        }
    });
}());
