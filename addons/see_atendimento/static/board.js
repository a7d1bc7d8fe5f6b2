/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* Kanban board of escalations (Unidade Gestora).
   Data comes from /<database>/see_atendimento/board/data and moves go to
   /<database>/see_atendimento/board/move; both use the Tryton session
   cookie that the web client (or the login form below) obtained. */
(function() {
    'use strict';

    var PATH = /^(.*)\/([^/]+)\/see_atendimento\/board\/?$/;
    var state = {
        database: null,
        data: null,
        dragging: null,
    };

    var $ = SeeWeb.$;
    var show = SeeWeb.show;
    var request = SeeWeb.request;

    function boardUrl(database) {
        return SeeWeb.databaseUrl(database, '/see_atendimento/board');
    }

    function apiUrl(name) {
        return boardUrl(state.database) + '/' + name;
    }

    // Messages -------------------------------------------------------------

    function showMessage(text, kind) {
        $('message-text').textContent = text;
        $('message').className = 'message ' + (kind || 'error');
        show('message', true);
    }

    function hideMessage() {
        show('message', false);
        $('message-text').textContent = '';
    }

    function errorText(response) {
        if (response.json && response.json.error) {
            var error = response.json.error;
            return error.message + (error.description ?
                ' ' + error.description : '');
        }
        if (response.status === 404) {
            return 'Encaminhamento não encontrado ou sem permissão de acesso.';
        }
        if (response.status === 403) {
            return 'Acesso negado.';
        }
        return 'Erro ao falar com o servidor (' + response.status + ').';
    }

    // Login ----------------------------------------------------------------

    function hideBoard() {
        show('board', false);
        show('filters', false);
        show('empty', false);
        show('databases', false);
    }

    function showLogin() {
        SeeWeb.loginForm({path: PATH, hide: hideBoard});
    }

    // Board ----------------------------------------------------------------

    function formatAge(seconds) {
        if (seconds === null || seconds === undefined) {
            return '';
        }
        var minutes = Math.floor(seconds / 60);
        if (minutes < 1) {
            return 'agora';
        }
        if (minutes < 60) {
            return 'há ' + minutes + ' min';
        }
        var hours = Math.floor(minutes / 60);
        if (hours < 24) {
            return 'há ' + hours + ' h';
        }
        var days = Math.floor(hours / 24);
        return 'há ' + days + (days === 1 ? ' dia' : ' dias');
    }

    function ageClass(seconds) {
        if (seconds >= 3 * 24 * 3600) {
            return 'age-late';
        }
        if (seconds >= 24 * 3600) {
            return 'age-warning';
        }
        return 'age-ok';
    }

    function isLegal(from, to) {
        return state.data.transitions.some(function(transition) {
            return transition[0] === from && transition[1] === to;
        });
    }

    function columnName(stateName) {
        var column = state.data.columns.find(function(c) {
            return c.state === stateName;
        });
        return column ? column.name : stateName;
    }

    function fillSelect(select, options, current) {
        var first = select.options[0];
        select.textContent = '';
        if (first && first.value === '') {
            select.appendChild(first);
        }
        options.forEach(function(option) {
            var element = document.createElement('option');
            element.value = option.id;
            element.textContent = option.name;
            select.appendChild(element);
        });
        select.value = current || '';
    }

    function element(tag, className, text) {
        var result = document.createElement(tag);
        if (className) {
            result.className = className;
        }
        if (text !== undefined && text !== null) {
            result.textContent = text;
        }
        return result;
    }

    function renderCard(card) {
        var item = element('article', 'card');
        item.dataset.id = card.id;
        item.dataset.state = card.state;
        item.dataset.protocol = card.protocol;
        item.tabIndex = 0;
        var head = element('header', 'card-head');
        head.appendChild(element('span', 'card-protocol', card.protocol));
        var age = element('span', 'card-age ' + ageClass(card.age),
            formatAge(card.age));
        age.title = 'Aberto em ' + (card.request_date || '').replace('T', ' ')
            .substring(0, 16);
        head.appendChild(age);
        item.appendChild(head);
        item.appendChild(element('div', 'card-service',
            card.service_name || 'Sem serviço'));
        if (card.requester_name) {
            item.appendChild(element('div', 'card-requester',
                card.requester_name));
        }
        item.appendChild(element('p', 'card-question', card.question));
        var unit = card.unit_name || '';
        if (card.forwarded_unit_name) {
            unit += ' → ' + card.forwarded_unit_name;
        }
        item.appendChild(element('div', 'card-unit', unit));
        if (card.request_kb_update) {
            item.appendChild(element('div', 'card-flag',
                'Atualizar base de conhecimento'));
        }
        if (state.data.can_move) {
            var targets = state.data.columns.filter(function(column) {
                return isLegal(card.state, column.state);
            });
            if (targets.length) {
                var select = element('select', 'card-move');
                select.setAttribute('aria-label', 'Mover para');
                select.appendChild(element('option', null, 'Mover para…'));
                select.options[0].value = '';
                targets.forEach(function(column) {
                    var option = element('option', null, column.name);
                    option.value = column.state;
                    select.appendChild(option);
                });
                select.addEventListener('change', function() {
                    if (select.value) {
                        requestMove(card, select.value);
                    }
                    select.value = '';
                });
                item.appendChild(select);
            }
            item.addEventListener('pointerdown', startDrag);
        }
        return item;
    }

    function render() {
        var board = $('board');
        board.textContent = '';
        var cards = state.data.cards;
        state.data.columns.forEach(function(column) {
            var section = element('section', 'column');
            section.dataset.state = column.state;
            var inColumn = cards.filter(function(card) {
                return card.state === column.state;
            });
            var title = element('h2', 'column-title');
            title.appendChild(element('span', 'column-name', column.name));
            title.appendChild(element('span', 'column-count',
                String(inColumn.length)));
            section.appendChild(title);
            var list = element('div', 'column-cards');
            inColumn.forEach(function(card) {
                list.appendChild(renderCard(card));
            });
            section.appendChild(list);
            board.appendChild(section);
        });
        show('board', true);
        show('empty', cards.length === 0);
    }

    function load() {
        var params = new URLSearchParams();
        var service = $('filter-service').value;
        var unit = $('filter-unit').value;
        if (service) {
            params.set('service', service);
        }
        if (unit) {
            params.set('unit', unit);
        }
        var query = params.toString();
        return request('GET', apiUrl('data') + (query ? '?' + query : ''))
            .then(function(response) {
                if (response.status === 401 || response.status === 403) {
                    showLogin();
                    if (response.status === 403) {
                        // Logged in as a user without access to the board
                        showMessage(errorText(response));
                    }
                    return;
                }
                if (response.status !== 200 || !response.json) {
                    showMessage(errorText(response));
                    return;
                }
                state.data = response.json;
                if (!state.listening) {
                    // Once a session is open
                    state.listening = true;
                    listen(null);
                }
                SeeWeb.setUser(state.data.user, state.database);
                fillSelect($('filter-service'), state.data.services, service);
                fillSelect($('filter-unit'), state.data.units, unit);
                show('filters', true);
                show('login', false);
                render();
            }, function() {
                showMessage('Não foi possível falar com o servidor.');
            });
    }

    // Moves ----------------------------------------------------------------

    function askAnswer(card) {
        return new Promise(function(resolve) {
            var dialog = $('answer-dialog');
            $('answer-protocol').textContent = card.protocol;
            $('answer-question').textContent = card.question;
            $('answer-text').value = card.answer || '';
            dialog.onclose = function() {
                var text = $('answer-text').value.trim();
                resolve(dialog.returnValue === 'ok' && text ? text : null);
            };
            dialog.returnValue = '';
            dialog.showModal();
            $('answer-text').focus();
        });
    }

    function askUnit(card) {
        return new Promise(function(resolve) {
            var dialog = $('forward-dialog');
            $('forward-protocol').textContent = card.protocol;
            var select = $('forward-unit');
            select.textContent = '';
            state.data.units.forEach(function(unit) {
                var option = element('option', null, unit.name);
                option.value = unit.id;
                select.appendChild(option);
            });
            if (card.forwarded_unit) {
                select.value = card.forwarded_unit;
            }
            dialog.onclose = function() {
                resolve(dialog.returnValue === 'ok' && select.value ?
                    parseInt(select.value, 10) : null);
            };
            dialog.returnValue = '';
            dialog.showModal();
            select.focus();
        });
    }

    function requestMove(card, target) {
        if (card.state === target) {
            return Promise.resolve();
        }
        hideMessage();
        var body = {id: card.id, state: target};
        var ask = Promise.resolve(true);
        // Only ask for what a legal move needs; the server refuses the rest
        if (isLegal(card.state, target)) {
            if (target === 'answered') {
                ask = askAnswer(card).then(function(text) {
                    body.answer = text;
                    return text !== null;
                });
            } else if (target === 'forwarded') {
                ask = askUnit(card).then(function(unit) {
                    body.forwarded_unit = unit;
                    return unit !== null;
                });
            }
        }
        return ask.then(function(proceed) {
            if (!proceed) {
                render();
                return;
            }
            document.body.classList.add('busy');
            return request('POST', apiUrl('move'), body).then(
                function(response) {
                    document.body.classList.remove('busy');
                    if (response.status === 200 && response.json) {
                        var moved = response.json.card;
                        state.data.cards = state.data.cards.map(function(c) {
                            return c.id === moved.id ? moved : c;
                        });
                        render();
                        showMessage(moved.protocol + ': ' +
                            columnName(moved.state) + '.', 'info');
                    } else if (response.status === 401) {
                        showLogin();
                    } else {
                        render();
                        showMessage(errorText(response));
                    }
                }, function() {
                    document.body.classList.remove('busy');
                    render();
                    showMessage('Não foi possível falar com o servidor.');
                });
        });
    }

    // Drag and drop with pointer events (mouse, pen and touch) -------------

    function columnAt(x, y) {
        var target = document.elementFromPoint(x, y);
        return target ? target.closest('.column') : null;
    }

    function startDrag(event) {
        if (event.button !== 0 || event.target.closest('select')) {
            return;
        }
        var item = event.currentTarget;
        var card = state.data.cards.find(function(c) {
            return String(c.id) === item.dataset.id;
        });
        state.dragging = {
            card: card,
            item: item,
            startX: event.clientX,
            startY: event.clientY,
            ghost: null,
            over: null,
        };
        document.addEventListener('pointermove', moveDrag);
        document.addEventListener('pointerup', endDrag);
        document.addEventListener('pointercancel', cancelDrag);
    }

    function moveDrag(event) {
        var drag = state.dragging;
        if (!drag) {
            return;
        }
        var dx = event.clientX - drag.startX;
        var dy = event.clientY - drag.startY;
        if (!drag.ghost) {
            if (Math.abs(dx) + Math.abs(dy) < 5) {
                return;
            }
            var rect = drag.item.getBoundingClientRect();
            drag.ghost = drag.item.cloneNode(true);
            drag.ghost.classList.add('ghost');
            drag.ghost.style.width = rect.width + 'px';
            drag.ghost.style.left = rect.left + 'px';
            drag.ghost.style.top = rect.top + 'px';
            drag.offsetX = drag.startX - rect.left;
            drag.offsetY = drag.startY - rect.top;
            document.body.appendChild(drag.ghost);
            drag.item.classList.add('dragging');
            document.body.classList.add('drag-active');
        }
        event.preventDefault();
        drag.ghost.style.left = (event.clientX - drag.offsetX) + 'px';
        drag.ghost.style.top = (event.clientY - drag.offsetY) + 'px';
        var column = columnAt(event.clientX, event.clientY);
        if (column !== drag.over) {
            if (drag.over) {
                drag.over.classList.remove('drop-target', 'drop-illegal');
            }
            drag.over = column;
            if (column) {
                column.classList.add(
                    isLegal(drag.card.state, column.dataset.state) ||
                    column.dataset.state === drag.card.state ?
                    'drop-target' : 'drop-illegal');
            }
        }
    }

    function clearDrag() {
        var drag = state.dragging;
        document.removeEventListener('pointermove', moveDrag);
        document.removeEventListener('pointerup', endDrag);
        document.removeEventListener('pointercancel', cancelDrag);
        document.body.classList.remove('drag-active');
        state.dragging = null;
        window.setTimeout(flushReload);
        if (drag) {
            if (drag.ghost) {
                drag.ghost.remove();
            }
            if (drag.over) {
                drag.over.classList.remove('drop-target', 'drop-illegal');
            }
            drag.item.classList.remove('dragging');
        }
        return drag;
    }

    function endDrag(event) {
        var drag = clearDrag();
        if (!drag || !drag.ghost) {
            return;
        }
        var column = columnAt(event.clientX, event.clientY);
        if (column && column.dataset.state !== drag.card.state) {
            // Show the card in the new column while the server decides
            column.querySelector('.column-cards').appendChild(drag.item);
            drag.item.classList.add('pending');
            requestMove(drag.card, column.dataset.state);
        }
    }

    function cancelDrag() {
        clearDrag();
    }

    // Live updates ---------------------------------------------------------

    // The server publishes every change of an escalation on this channel of
    // trytond's bus; the board then reloads its data
    var BOARD_CHANNEL = 'see.board';
    // Without a bus (SQLite) or after an error, the next try waits this long
    var LISTEN_RETRY = 30000;

    function reloadWhenIdle() {
        if (state.dragging || document.querySelector('dialog[open]')) {
            // After the drag or the dialog: see flushReload
            state.reloadPending = true;
        } else if (!$('board').hidden) {
            load();
        }
    }

    function flushReload() {
        if (state.reloadPending) {
            state.reloadPending = false;
            reloadWhenIdle();
        }
    }

    function listen(lastMessage) {
        request('POST', SeeWeb.databaseUrl(state.database, '/bus'), {
            channels: [BOARD_CHANNEL],
            last_message: lastMessage || null,
        }).then(function(response) {
            if (response.status !== 200 || !response.json) {
                window.setTimeout(function() {
                    listen(lastMessage);
                }, LISTEN_RETRY);
                return;
            }
            var message = response.json.message;
            if (message && response.json.channel === BOARD_CHANNEL) {
                reloadWhenIdle();
            }
            listen(message ? message.message_id : lastMessage);
        }, function() {
            window.setTimeout(function() {
                listen(lastMessage);
            }, LISTEN_RETRY);
        });
    }

    // Start ----------------------------------------------------------------

    function start() {
        $('message-close').addEventListener('click', hideMessage);
        $('filter-service').addEventListener('change', load);
        $('filter-unit').addEventListener('change', load);
        $('refresh').addEventListener('click', load);
        $('answer-cancel').addEventListener('click', function() {
            $('answer-dialog').close('');
        });
        $('forward-cancel').addEventListener('click', function() {
            $('forward-dialog').close('');
        });
        $('answer-dialog').addEventListener('close', flushReload);
        $('forward-dialog').addEventListener('close', flushReload);
        state.database = SeeWeb.page({
            path: PATH,
            pageUrl: boardUrl,
            message: function(text) {
                if (text) {
                    showMessage(text);
                } else {
                    hideMessage();
                }
            },
            load: load,
            hide: hideBoard,
            databases: function(databases) {
                var list = $('database-list');
                databases.forEach(function(database) {
                    var item = element('li');
                    var link = element('a', null, database);
                    link.href = boardUrl(database);
                    item.appendChild(link);
                    list.appendChild(item);
                });
                show('databases', true);
            },
        });
        if (!state.database) {
            return;
        }
        load();
        window.setInterval(function() {
            if (!state.dragging && !document.querySelector('dialog[open]') &&
                    !$('board').hidden) {
                load();
            }
        }, 60000);
    }

    start();
}());
