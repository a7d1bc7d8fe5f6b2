/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The citizen's page of a submission. The token is in the page's address
   (/<database>/see_documentos/envio/<token>); every request goes to the
   same address plus a path, and the server answers JSON (errors with a
   Portuguese message). */
(function() {
    'use strict';

    var PATH = /^\/([^/]+)\/see_documentos\/envio\/([^/]+)\/?$/;
    var match = PATH.exec(window.location.pathname);
    var base = match ? window.location.pathname.replace(/\/$/, '') : null;
    var FORMATS = {pdf: 'PDF', jpeg: 'JPEG', png: 'PNG'};
    var STATE_HELP = {
        draft: 'Envie cada documento pedido e depois toque em ' +
            '"Enviar para análise".',
        submitted: 'Seus documentos estão na fila de análise. Você ' +
            'receberá um e-mail com o resultado.',
        in_review: 'Seus documentos estão sendo analisados.',
        returned: 'Alguns documentos foram devolvidos. Veja o motivo, ' +
            'substitua-os e envie novamente para análise.',
        approved: 'Todos os documentos foram aprovados.',
        cancelled: 'Este envio foi cancelado.',
    };

    function $(id) {
        return document.getElementById(id);
    }

    function element(tag, className, text) {
        var node = document.createElement(tag);
        if (className) {
            node.className = className;
        }
        if (text !== undefined && text !== null) {
            node.textContent = text;
        }
        return node;
    }

    function alertMessage(text, kind) {
        $('alert').className = 'br-message ' + (kind || 'danger');
        $('alert-text').textContent = text || '';
        $('alert').hidden = !text;
    }

    function status(text) {
        $('status').textContent = text || '';
    }

    function readJSON(response) {
        return response.text().then(function(text) {
            var json = null;
            try {
                json = text ? JSON.parse(text) : null;
            } catch (e) {
                json = null;
            }
            return {status: response.status, json: json};
        });
    }

    function errorText(result) {
        return (result.json && result.json.error &&
            result.json.error.message) ||
            'Não foi possível falar com o servidor. Tente novamente.';
    }

    function call(method, path, body, headers) {
        return window.fetch(base + path, {
            method: method,
            cache: 'no-store',
            credentials: 'omit',
            headers: headers || {'Accept': 'application/json'},
            body: body,
        }).then(readJSON);
    }

    function rules(item) {
        var parts = ['Formatos: ' + item.formats.map(function(f) {
            return FORMATS[f] || f;
        }).join(', ')];
        parts.push('até ' + (item.max_size >= 1024 ?
            Math.round(item.max_size / 102.4) / 10 + ' MB' :
            item.max_size + ' KB'));
        if (item.max_pages) {
            parts.push('até ' + item.max_pages + ' página' +
                (item.max_pages > 1 ? 's' : ''));
        }
        if (item.issuer) {
            parts.push('emitido por ' + item.issuer);
        }
        return parts.join(' · ');
    }

    function preview(documentData) {
        // The page of the problem with the marked region over it
        var figure = element('figure', 'preview');
        var image = element('img');
        image.alt = 'Página ' + documentData.page + ' de ' +
            documentData.filename + ', com a região do problema marcada';
        image.src = base + '/documento/' + documentData.id + '/pagina/' +
            documentData.page;
        figure.appendChild(image);
        if (documentData.region) {
            var mark = element('div', 'mark');
            mark.setAttribute('aria-hidden', 'true');
            mark.style.left = (documentData.region[0] * 100) + '%';
            mark.style.top = (documentData.region[1] * 100) + '%';
            mark.style.width = (documentData.region[2] * 100) + '%';
            mark.style.height = (documentData.region[3] * 100) + '%';
            figure.appendChild(mark);
        }
        return figure;
    }

    function problem(documentData) {
        var box = element('div', 'br-message danger problem');
        var content = element('div', 'content');
        content.appendChild(element('span', 'message-title',
            'Motivo: ' + documentData.reason + '. '));
        var body = element('span', 'message-body');
        var text = documentData.instruction || '';
        if (documentData.note) {
            text += (text ? ' ' : '') + documentData.note;
        }
        if (documentData.page) {
            text += ' (página ' + documentData.page + ')';
        }
        body.textContent = text;
        content.appendChild(body);
        box.appendChild(content);
        var wrapper = element('div');
        wrapper.appendChild(box);
        if (documentData.page) {
            wrapper.appendChild(preview(documentData));
        }
        return wrapper;
    }

    function uploadForm(item) {
        var form = element('form');
        var id = 'file-' + item.id;
        var label = element('label', null, item.document ?
            'Substituir o arquivo' : 'Escolher o arquivo');
        label.htmlFor = id;
        var input = element('input');
        input.type = 'file';
        input.id = id;
        input.name = 'file';
        input.accept = item.formats.map(function(f) {
            return f === 'pdf' ? 'application/pdf' : 'image/' + f;
        }).join(',');
        var button = element('button', 'br-button secondary', 'Enviar arquivo');
        button.type = 'submit';
        form.appendChild(label);
        form.appendChild(input);
        form.appendChild(button);
        form.addEventListener('submit', function(event) {
            event.preventDefault();
            var file = input.files[0];
            if (!file) {
                alertMessage('Escolha um arquivo para "' + item.name + '".');
                input.focus();
                return;
            }
            button.disabled = true;
            status('Enviando ' + file.name + '…');
            call('POST', '/item/' + item.id, file, {
                'Accept': 'application/json',
                'Content-Type': 'application/octet-stream',
                'X-File-Name': encodeURIComponent(file.name),
            }).then(function(result) {
                button.disabled = false;
                if (result.status !== 201) {
                    status('');
                    alertMessage(errorText(result));
                    return;
                }
                alertMessage('');
                status('Arquivo de "' + item.name + '" recebido.');
                render(result.json);
            }, function() {
                button.disabled = false;
                status('');
                alertMessage(errorText({}));
            });
        });
        return form;
    }

    function renderItem(item) {
        var node = element('li', 'item');
        node.id = 'item-' + item.id;
        var title = element('h2', null, item.name + ' ');
        if (!item.required) {
            title.appendChild(element('span', 'tag-optional', '(opcional)'));
        }
        node.appendChild(title);
        if (item.description) {
            node.appendChild(element('p', null, item.description));
        }
        node.appendChild(element('p', 'rules', rules(item)));
        var documentData = item.document;
        if (documentData) {
            var line = element('p');
            line.appendChild(document.createTextNode(
                documentData.filename + ': '));
            line.appendChild(element('span',
                'file-state ' + documentData.state,
                documentData.state_string));
            node.appendChild(line);
            if (documentData.state === 'rejected') {
                node.appendChild(problem(documentData));
            }
        } else {
            node.appendChild(element('p', 'file-state', 'Não enviado'));
        }
        if (item.replaceable) {
            node.appendChild(uploadForm(item));
        }
        return node;
    }

    function render(data) {
        $('subtitle').textContent = data.service;
        $('protocol').textContent = data.protocol;
        $('checklist').textContent = data.checklist;
        $('state').textContent = data.state_string;
        $('state-help').textContent = STATE_HELP[data.state] || '';
        $('summary').hidden = false;
        var list = $('items');
        while (list.firstChild) {
            list.removeChild(list.firstChild);
        }
        data.items.forEach(function(item) {
            list.appendChild(renderItem(item));
        });
        list.hidden = false;
        $('submit-area').hidden = !data.can_submit;
    }

    function load() {
        call('GET', '/dados').then(function(result) {
            if (result.status !== 200) {
                alertMessage(errorText(result));
                return;
            }
            render(result.json);
        }, function() {
            alertMessage(errorText({}));
        });
    }

    function submit() {
        if (!$('consent').checked) {
            alertMessage('Leia o aviso sobre o uso dos seus dados pessoais ' +
                '(LGPD) e marque o campo "Li e aceito o aviso de ' +
                'privacidade" para continuar.');
            $('consent').focus();
            return;
        }
        $('submit').disabled = true;
        call('POST', '/enviar', JSON.stringify({consent: true}), {
            'Accept': 'application/json',
            'Content-Type': 'application/json'}).then(function(result) {
            $('submit').disabled = false;
            if (result.status !== 200) {
                alertMessage(errorText(result));
                return;
            }
            alertMessage('Documentos enviados para análise.', 'success');
            render(result.json);
        }, function() {
            $('submit').disabled = false;
            alertMessage(errorText({}));
        });
    }

    document.addEventListener('DOMContentLoaded', function() {
        if (!base) {
            alertMessage('Endereço inválido. Abra o link recebido do ' +
                'atendimento.');
            return;
        }
        $('submit').addEventListener('click', submit);
        load();
    });
}());
