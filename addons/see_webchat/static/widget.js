/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The citizen's chat.  Identification, service, then the conversation
   through /<database>/see_webchat/api/.  Everything the citizen typed and
   the access to the conversation are kept in localStorage, so a reload or
   a network loss resumes the same conversation.  Every text is shown with
   textContent: markup sent by anyone is displayed, never interpreted. */
(function() {
    'use strict';

    var PATH = /^(.*)\/([^/]+)\/see_webchat\/(chat)?$/;
    var match = PATH.exec(window.location.pathname);
    var database = match ? decodeURIComponent(match[2]) : null;
    var base = match ? match[1] + '/' + match[2] + '/see_webchat/api' : null;
    var KEY = 'see_webchat:' + database;
    var WAIT = 20;

    var store = load();
    var info = null;  // services and limits
    var polling = false;
    var pollFailures = 0;
    var rendered = {};  // message id -> true
    var lastState = null;

    function $(id) {
        return document.getElementById(id);
    }

    function load() {
        try {
            var value = JSON.parse(window.localStorage.getItem(KEY));
            if (value && typeof value === 'object') {
                value.outbox = value.outbox || [];
                value.form = value.form || {};
                return value;
            }
        } catch (e) {
            // ignore
        }
        return {form: {}, outbox: [], draft: ''};
    }

    function save() {
        try {
            window.localStorage.setItem(KEY, JSON.stringify(store));
        } catch (e) {
            // storage full or disabled: the chat still works
        }
    }

    function showAlert(text) {
        $('alert-text').textContent = text;
        $('alert').hidden = !text;
    }

    function step(id) {
        ['identify', 'service-step', 'conversation'].forEach(function(s) {
            $(s).hidden = s !== id;
        });
    }

    function uuid() {
        if (window.crypto && window.crypto.randomUUID) {
            return window.crypto.randomUUID();
        }
        var bytes = new Uint8Array(16);
        window.crypto.getRandomValues(bytes);
        return Array.prototype.map.call(bytes, function(b) {
            return ('0' + b.toString(16)).slice(-2);
        }).join('');
    }

    function api(method, path, body) {
        var headers = {'Accept': 'application/json'};
        if (store.token) {
            headers['X-Chat-Token'] = store.token;
        }
        var options = {method: method, headers: headers,
            credentials: 'omit', cache: 'no-store'};
        if (body !== undefined) {
            headers['Content-Type'] = 'application/json';
            options.body = JSON.stringify(body);
        }
        return window.fetch(base + path, options).then(SeeWeb.readJSON);
    }

    function errorText(result) {
        if (result.json && result.json.error) {
            return result.json.error.message;
        }
        if (result.status === 413) {
            return 'A mensagem ou o anexo é grande demais.';
        }
        if (result.status === 429) {
            return 'Muitas mensagens em pouco tempo. Aguarde um momento.';
        }
        return 'Não foi possível concluir a operação (erro ' +
            result.status + '). Tente novamente.';
    }

    // Identification -----------------------------------------------------

    function fillForm() {
        $('name').value = store.form.name || '';
        $('phone').value = store.form.phone || '';
        $('cpf').value = store.form.cpf || '';
        $('consent').checked = !!store.form.consent;
    }

    function keepForm() {
        store.form.name = $('name').value;
        store.form.phone = $('phone').value;
        store.form.cpf = $('cpf').value;
        store.form.consent = $('consent').checked;
        save();
    }

    function identify(event) {
        event.preventDefault();
        keepForm();
        var missing = null;
        if (!$('name').value.trim()) {
            missing = ['name', 'Digite o seu nome.'];
        } else if (!$('phone').value.trim()) {
            missing = ['phone',
                'Digite o seu telefone com DDD, por exemplo (81) 99876-5432.'];
        } else if (!$('consent').checked) {
            missing = ['consent', 'Para conversar, leia e aceite o aviso ' +
                'sobre o uso dos seus dados pessoais (LGPD).'];
        }
        if (missing) {
            showAlert(missing[1]);
            $(missing[0]).setAttribute('aria-invalid', 'true');
            $(missing[0]).focus();
            return;
        }
        showAlert('');
        step('service-step');
        loadServices().then(function() {
            var first = document.querySelector('#services input');
            if (first) {
                first.focus();
            }
        });
    }

    function loadServices() {
        if (info) {
            return Promise.resolve(info);
        }
        return api('GET', '/services').then(function(result) {
            if (result.status !== 200) {
                showAlert(errorText(result));
                return null;
            }
            info = result.json;
            var box = $('services');
            box.textContent = '';
            info.services.forEach(function(service) {
                var label = document.createElement('label');
                var input = document.createElement('input');
                input.type = 'radio';
                input.name = 'service';
                input.value = String(service.id);
                input.required = true;
                if (String(store.form.service) === String(service.id)) {
                    input.checked = true;
                }
                input.addEventListener('change', function() {
                    store.form.service = service.id;
                    save();
                });
                var span = document.createElement('span');
                span.textContent = service.name;
                label.appendChild(input);
                label.appendChild(span);
                box.appendChild(label);
            });
            $('text').maxLength = info.message_size;
            $('file').hidden = !info.attachment_size;
            document.querySelector('.file-label').hidden =
                !info.attachment_size;
            if (info.attachment_types) {
                $('file').accept = info.attachment_types.join(',');
            }
            return info;
        }, function() {
            showAlert('Sem conexão com a Central. Verifique a internet e ' +
                'tente novamente.');
        });
    }

    function start(event) {
        event.preventDefault();
        var chosen = document.querySelector('#services input:checked');
        if (!chosen) {
            showAlert('Escolha o serviço da sua dúvida.');
            var first = document.querySelector('#services input');
            if (first) {
                first.focus();
            }
            return;
        }
        store.form.service = parseInt(chosen.value, 10);
        save();
        $('service-submit').disabled = true;
        api('POST', '/sessions', {
            name: store.form.name,
            phone: store.form.phone,
            cpf: store.form.cpf,
            service: store.form.service,
            consent: !!store.form.consent,
        }).then(function(result) {
            $('service-submit').disabled = false;
            if (result.status !== 201) {
                showAlert(errorText(result));
                var type = result.json && result.json.error &&
                    result.json.error.type;
                if (type === 'InvalidPhone' || type === 'InvalidCPF' ||
                        type === 'ChatValidationError') {
                    step('identify');
                    var field = type === 'InvalidCPF' ? 'cpf' : 'phone';
                    $(field).setAttribute('aria-invalid', 'true');
                    $(field).focus();
                }
                return;
            }
            showAlert('');
            store.id = result.json.id;
            store.token = result.json.token;
            store.after = 0;
            store.version = '';
            save();
            openConversation();
        }, function() {
            $('service-submit').disabled = false;
            showAlert('Sem conexão com a Central. Verifique a internet e ' +
                'tente novamente.');
        });
    }

    // Conversation -------------------------------------------------------

    function openConversation() {
        step('conversation');
        rendered = {};
        $('messages').textContent = '';
        store.after = 0;
        store.version = '';
        $('text').value = store.draft || '';
        $('composer').hidden = false;
        renderOutbox();
        loadServices();
        poll();
        flushOutbox();
        $('text').focus();
    }

    var WHO = {
        citizen: 'Você',
        system: 'Central de Atendimento',
    };

    function formatTime(iso) {
        var date = new Date(iso);
        if (isNaN(date.getTime())) {
            return '';
        }
        return date.toLocaleTimeString('pt-BR',
            {hour: '2-digit', minute: '2-digit'});
    }

    function messageItem(author, name, text, time) {
        var item = document.createElement('li');
        item.className = 'msg msg-' + author;
        var who = document.createElement('span');
        who.className = 'who';
        who.textContent = name;
        item.appendChild(who);
        var body = document.createElement('span');
        body.className = 'text';
        body.textContent = text;  // never innerHTML
        item.appendChild(body);
        if (time) {
            var stamp = document.createElement('time');
            stamp.textContent = time;
            item.appendChild(stamp);
        }
        return item;
    }

    function renderMessage(message) {
        if (rendered[message.id]) {
            return;
        }
        rendered[message.id] = true;
        var name = message.author_type === 'agent' ?
            (message.author_name || 'Atendente') : WHO[message.author_type];
        var item = messageItem(message.author_type, name, message.text,
            formatTime(message.date));
        item.dataset.id = message.id;
        if (message.attachment) {
            var link = document.createElement('button');
            link.type = 'button';
            link.className = 'attachment secondary';
            link.textContent = 'Anexo: ' + message.attachment.name;
            link.addEventListener('click', function() {
                download(message);
            });
            item.appendChild(link);
        }
        var list = $('messages');
        var pending = list.querySelector('.msg-pending');
        list.insertBefore(item, pending);
        list.scrollTop = list.scrollHeight;
    }

    function renderOutbox() {
        var list = $('messages');
        Array.prototype.forEach.call(list.querySelectorAll('.msg-pending'),
            function(item) {
                list.removeChild(item);
            });
        store.outbox.forEach(function(entry) {
            var item = messageItem('citizen', 'Você (enviando…)',
                entry.text, null);
            item.className += ' msg-pending';
            list.appendChild(item);
        });
        list.scrollTop = list.scrollHeight;
    }

    function download(message) {
        window.fetch(base + '/sessions/' + store.id + '/attachments/' +
            message.id, {headers: {'X-Chat-Token': store.token},
            credentials: 'omit'}).then(function(response) {
            return response.blob();
        }).then(function(blob) {
            var url = URL.createObjectURL(blob);
            var a = document.createElement('a');
            a.href = url;
            a.download = message.attachment.name;
            document.body.appendChild(a);
            a.click();
            document.body.removeChild(a);
            setTimeout(function() {
                URL.revokeObjectURL(url);
            }, 1000);
        });
    }

    function ordinal(n) {
        return n + 'º';
    }

    function applyState(data) {
        if (data.number) {
            $('protocol-number').textContent = data.number;
            $('protocol').hidden = false;
        }
        var status = '';
        if (data.state === 'waiting') {
            status = data.position === 1 ?
                'Você é o próximo da fila. Um atendente vai responder em breve.' :
                'Você é o ' + ordinal(data.position) +
                ' da fila. Aguarde, por favor.';
        } else if (data.state === 'active') {
            status = 'Em atendimento' + (data.agent ?
                ' com ' + data.agent : '') + '.';
        } else if (data.state === 'survey') {
            status = 'Atendimento concluído. Avalie o atendimento.';
        } else if (data.state === 'closed') {
            status = 'Atendimento encerrado.';
        } else if (data.state === 'abandoned') {
            status = 'Conversa encerrada.';
        }
        if ($('status').textContent !== status) {
            $('status').textContent = status;
        }
        var open = data.state === 'waiting' || data.state === 'active';
        $('composer').hidden = !open;
        $('survey').hidden = data.state !== 'survey';
        if (data.state === 'survey' && lastState !== 'survey') {
            buildScores();
        }
        var ended = data.state === 'closed' || data.state === 'abandoned';
        $('ended').hidden = !ended;
        if (ended && data.survey_score !== null &&
                data.survey_score !== undefined) {
            $('ended-text').textContent = 'Atendimento encerrado. ' +
                'Obrigado pela avaliação (nota ' + data.survey_score + ')!';
        }
        lastState = data.state;
    }

    function buildScores() {
        var box = $('scores');
        if (box.childNodes.length) {
            return;
        }
        for (var i = 0; i <= 10; i++) {
            var label = document.createElement('label');
            var input = document.createElement('input');
            input.type = 'radio';
            input.name = 'score';
            input.value = String(i);
            input.setAttribute('aria-label', 'Nota ' + i);
            var span = document.createElement('span');
            span.textContent = String(i);
            label.appendChild(input);
            label.appendChild(span);
            box.appendChild(label);
        }
    }

    function resetConversation() {
        var form = store.form;
        store = {form: form, outbox: [], draft: ''};
        save();
        lastState = null;
        $('protocol').hidden = true;
        $('scores').textContent = '';
        $('ended-text').textContent = 'Atendimento encerrado. Obrigado!';
        fillForm();
        step('identify');
        $('name').focus();
    }

    function poll() {
        if (polling || !store.id) {
            return;
        }
        polling = true;
        var wait = store.version ? WAIT : 0;
        var path = '/sessions/' + store.id + '?after=' + (store.after || 0) +
            '&wait=' + wait + '&v=' + encodeURIComponent(store.version || '');
        api('GET', path).then(function(result) {
            polling = false;
            if (result.status === 200) {
                if (pollFailures) {
                    showAlert('');
                }
                pollFailures = 0;
                var data = result.json;
                data.messages.forEach(function(message) {
                    renderMessage(message);
                    store.after = Math.max(store.after || 0, message.id);
                });
                store.version = data.version;
                save();
                applyState(data);
                flushOutbox();
                if (data.state === 'closed' || data.state === 'abandoned') {
                    return;
                }
                poll();
            } else if (result.status === 403 || result.status === 404) {
                // The access expired or the conversation is not there
                showAlert(errorText(result));
                $('composer').hidden = true;
                $('survey').hidden = true;
                $('ended').hidden = false;
                $('ended-text').textContent = errorText(result);
                store.id = null;
                store.token = null;
                save();
            } else {
                retry();
            }
        }, function() {
            polling = false;
            retry();
        });
    }

    function retry() {
        pollFailures += 1;
        if (pollFailures > 1) {
            showAlert('Sem conexão com a Central. Tentando novamente… ' +
                'O que você escreveu está guardado.');
        }
        var delay = Math.min(1000 * Math.pow(2, pollFailures - 1), 10000);
        setTimeout(poll, delay);
    }

    var flushing = false;

    function flushOutbox() {
        if (flushing || !store.outbox.length || !store.id) {
            return;
        }
        flushing = true;
        var entry = store.outbox[0];
        var body = {text: entry.text, client_id: entry.client_id};
        if (entry.attachment) {
            body.attachment = entry.attachment;
        }
        api('POST', '/sessions/' + store.id + '/messages', body).then(
            function(result) {
                flushing = false;
                if (result.status === 201) {
                    store.outbox.shift();
                    save();
                    renderOutbox();
                    renderMessage(result.json.message);
                    flushOutbox();
                } else if (result.status >= 400 && result.status < 500) {
                    // Refused: give the text back to the citizen
                    store.outbox.shift();
                    var text = $('text');
                    text.value = entry.text + (text.value ?
                        '\n' + text.value : '');
                    store.draft = text.value;
                    save();
                    renderOutbox();
                    showAlert(errorText(result));
                    flushOutbox();
                } else {
                    setTimeout(flushOutbox, 2000);
                }
            }, function() {
                flushing = false;
                setTimeout(flushOutbox, 2000);
            });
    }

    function readFile(file) {
        return new Promise(function(resolve, reject) {
            var reader = new FileReader();
            reader.onload = function() {
                var value = String(reader.result);
                resolve({
                    name: file.name,
                    type: file.type || 'application/octet-stream',
                    data: value.substring(value.indexOf(',') + 1),
                });
            };
            reader.onerror = reject;
            reader.readAsDataURL(file);
        });
    }

    function send(event) {
        event.preventDefault();
        var text = $('text').value;
        var file = $('file').files && $('file').files[0];
        if (!text.trim() && !file) {
            showAlert('Digite uma mensagem antes de enviar.');
            $('text').focus();
            return;
        }
        if (info && text.length > info.message_size) {
            showAlert('A mensagem tem ' + text.length +
                ' caracteres; o limite é ' + info.message_size +
                '. Divida-a em mensagens menores.');
            return;
        }
        if (file && info && file.size > info.attachment_size) {
            showAlert('O anexo tem ' + Math.ceil(file.size / 1024) +
                ' KB; o limite é ' + Math.floor(info.attachment_size / 1024) +
                ' KB. Envie um arquivo menor.');
            return;
        }
        showAlert('');
        var queue = function(attachment) {
            var entry = {client_id: uuid(), text: text};
            if (attachment) {
                entry.attachment = attachment;
            }
            store.outbox.push(entry);
            store.draft = '';
            $('text').value = '';
            $('file').value = '';
            $('file-name').textContent = '';
            save();
            renderOutbox();
            flushOutbox();
            $('text').focus();
        };
        if (file) {
            readFile(file).then(queue, function() {
                showAlert('Não foi possível ler o anexo. ' +
                    'Escolha o arquivo novamente.');
            });
        } else {
            queue(null);
        }
    }

    function answerSurvey(event) {
        event.preventDefault();
        var chosen = document.querySelector('#scores input:checked');
        if (!chosen) {
            showAlert('Escolha uma nota de 0 a 10.');
            var first = document.querySelector('#scores input');
            if (first) {
                first.focus();
            }
            return;
        }
        $('survey-submit').disabled = true;
        api('POST', '/sessions/' + store.id + '/survey',
            {score: parseInt(chosen.value, 10)}).then(function(result) {
            $('survey-submit').disabled = false;
            if (result.status !== 200) {
                showAlert(errorText(result));
                return;
            }
            showAlert('');
            poll();
        }, function() {
            $('survey-submit').disabled = false;
            showAlert('Sem conexão com a Central. Tente novamente.');
        });
    }

    // Wiring -------------------------------------------------------------

    function init() {
        if (!database) {
            showAlert('Endereço inválido do chat.');
            return;
        }
        // A question handed over (see_assistente) is the first message
        var question = new URLSearchParams(window.location.search).get(
            'pergunta');
        if (question && !store.id) {
            store.draft = question.slice(0, 2000);
            save();
            window.history.replaceState(null, '', window.location.pathname);
        }
        fillForm();
        ['name', 'phone', 'cpf', 'consent'].forEach(function(id) {
            $(id).addEventListener('input', function() {
                $(id).removeAttribute('aria-invalid');
                keepForm();
            });
            $(id).addEventListener('change', keepForm);
        });
        $('identify').addEventListener('submit', identify);
        $('service-step').addEventListener('submit', start);
        $('service-back').addEventListener('click', function() {
            step('identify');
            $('name').focus();
        });
        $('composer').addEventListener('submit', send);
        $('text').addEventListener('input', function() {
            store.draft = $('text').value;
            save();
        });
        $('text').addEventListener('keydown', function(event) {
            if (event.key === 'Enter' && !event.shiftKey) {
                send(event);
            }
        });
        $('file').addEventListener('change', function() {
            var file = $('file').files[0];
            $('file-name').textContent = file ? file.name : '';
        });
        $('survey').addEventListener('submit', answerSurvey);
        $('restart').addEventListener('click', resetConversation);
        window.addEventListener('online', function() {
            pollFailures = 0;
            poll();
            flushOutbox();
        });
        if (store.id && store.token) {
            openConversation();
        } else {
            step('identify');
        }
    }

    init();
}());
