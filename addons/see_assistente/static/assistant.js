/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The assistant on the citizens' pages: the kiosk of see_presencial and
   the webchat before its queue, which load this script. The citizen types
   a question; the answer shows the passage of the article and a link to
   it; "Falar com um atendente" is a separate action: at the kiosk, take a
   ticket; in the webchat, open the conversation with the question already
   typed. Every text is shown with textContent. Where the assistant is not
   activated its requests answer 404 and nothing is shown. */
(function () {
    'use strict';

    const HANDOVER_KEY = 'see_assistente:handover';
    const kiosk = document.body.classList.contains('kiosk');
    const widget = !kiosk && document.getElementById('identify') !== null;
    if (!kiosk && !widget) {
        return;
    }
    const database = decodeURIComponent(
        window.location.pathname.split('/')[1] || '');
    const base = '/' + encodeURIComponent(database) + '/see_assistente/';
    let current = null;  // the last answer: {question, token, text}

    function make(tag, attributes, text) {
        const element = document.createElement(tag);
        Object.keys(attributes || {}).forEach(function (name) {
            element.setAttribute(name, attributes[name]);
        });
        if (text !== undefined) {
            element.textContent = text;
        }
        return element;
    }

    async function call(path, body) {
        if (kiosk) {
            return window.seeDevice.api('../see_assistente/kiosk/' + path,
                {method: 'POST', json: body});
        }
        let response;
        try {
            response = await fetch(base + path, {
                method: 'POST',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify(body),
                cache: 'no-store',
            });
        } catch (error) {
            throw Object.assign(new Error(
                'Sem conexão com a Central. Tente novamente.'), {status: 0});
        }
        let data = null;
        try {
            data = await response.json();
        } catch (error) {
            data = null;
        }
        if (!response.ok) {
            throw Object.assign(new Error(
                (data && data.error && data.error.message) ||
                'Não foi possível responder agora. Tente de novo.'),
                {status: response.status});
        }
        return data;
    }

    function build() {
        const section = make('section', {
            id: 'assistant', 'class': 'assistant',
            'aria-labelledby': 'assistant-title'});
        section.hidden = true;
        section.appendChild(make('h2', {id: 'assistant-title'},
            'Tire sua dúvida'));
        section.appendChild(make('p', {'class': 'assistant-intro'},
            'Pergunte com suas palavras. A resposta vem dos artigos da ' +
            'Secretaria de Educação.'));
        const form = make('form', {id: 'assistant-form', novalidate: ''});
        const field = make('div', {'class': 'br-input large'});
        field.appendChild(make('label', {'for': 'assistant-question'},
            'Sua pergunta'));
        field.appendChild(make('input', {
            id: 'assistant-question', type: 'text', maxlength: '500',
            autocomplete: 'off',
            placeholder: 'Ex.: como tirar a segunda via do passe livre'}));
        form.appendChild(field);
        form.appendChild(make('button', {
            id: 'assistant-ask', type: 'submit',
            'class': 'br-button primary mt-2'}, 'Perguntar'));
        section.appendChild(form);
        const result = make('div', {
            id: 'assistant-result', 'aria-live': 'polite'});
        section.appendChild(result);
        form.addEventListener('submit', ask);
        return section;
    }

    function button(id, label, primary, handler) {
        const element = make('button', {
            id: id, type: 'button',
            'class': 'br-button ' + (primary ? 'primary' : 'secondary')},
            label);
        element.addEventListener('click', handler);
        return element;
    }

    function message(kind, text) {
        const box = make('div', {'class': 'br-message ' + kind});
        const content = make('div', {'class': 'content'});
        content.appendChild(make('span', {'class': 'message-body'}, text));
        box.appendChild(content);
        return box;
    }

    function show(answer, text) {
        const result = document.getElementById('assistant-result');
        result.textContent = '';
        current = {question: answer.question, token: answer.token,
            text: text};
        if (answer.answered) {
            const card = make('article', {
                id: 'assistant-answer', 'class': 'br-card assistant-answer'});
            const content = make('div', {'class': 'card-content'});
            content.appendChild(make('p', {'class': 'assistant-source'},
                'Resposta do artigo'));
            content.appendChild(make('h3', {id: 'assistant-article'},
                answer.article.title));
            answer.passages.forEach(function (passage) {
                content.appendChild(make('blockquote', {
                    'class': 'assistant-passage'}, passage));
            });
            const link = make('a', {
                id: 'assistant-link', href: answer.article.url},
                'Ler o artigo completo');
            if (widget) {
                link.target = '_blank';
                link.rel = 'noopener';
            }
            content.appendChild(link);
            // see_agendamento: the service of the answer can be booked
            if (answer.booking) {
                const booking = make('p', {'class': 'assistant-booking'});
                booking.appendChild(make('a', {
                    id: 'assistant-booking', href: answer.booking.url},
                    'Agendar atendimento: ' + answer.booking.service));
                content.appendChild(booking);
            }
            if (answer.related.length) {
                content.appendChild(make('p', {}, 'Veja também:'));
                const list = make('ul');
                answer.related.forEach(function (article) {
                    const item = make('li');
                    item.appendChild(make('a', {href: article.url},
                        article.title));
                    list.appendChild(item);
                });
                content.appendChild(list);
            }
            card.appendChild(content);
            const footer = make('div', {'class': 'card-footer'});
            footer.appendChild(make('p', {id: 'assistant-helped-label'},
                'Esta resposta ajudou?'));
            footer.appendChild(button('assistant-yes', 'Sim, ajudou', false,
                function () { feedback(true); }));
            footer.appendChild(button('assistant-no', 'Não ajudou', false,
                function () { feedback(false); }));
            card.appendChild(footer);
            result.appendChild(card);
        } else {
            result.appendChild(message('info',
                'Não encontrei resposta para a sua pergunta nos artigos ' +
                'da Secretaria. Um atendente pode ajudar.'));
        }
        const actions = make('div', {'class': 'assistant-actions'});
        actions.appendChild(button('assistant-handover',
            kiosk ? 'Falar com um atendente (retirar senha)' :
            'Falar com um atendente', !answer.answered, handover));
        result.appendChild(actions);
    }

    async function ask(event) {
        event.preventDefault();
        const input = document.getElementById('assistant-question');
        const text = input.value.trim();
        const result = document.getElementById('assistant-result');
        if (!text) {
            result.textContent = '';
            result.appendChild(message('warning',
                'Escreva a sua pergunta.'));
            input.focus();
            return;
        }
        const submit = document.getElementById('assistant-ask');
        submit.disabled = true;
        try {
            show(await call('ask', {question: text}), text);
        } catch (error) {
            if (error.status === 404) {
                document.getElementById('assistant').remove();
                return;
            }
            result.textContent = '';
            result.appendChild(message('danger', error.message));
        } finally {
            submit.disabled = false;
        }
    }

    async function feedback(helpful) {
        if (!current) {
            return;
        }
        try {
            await call('feedback', {question: current.question,
                token: current.token, helpful: helpful});
        } catch (error) {
            // The feedback is a courtesy: the answer stays
        }
        const label = document.getElementById('assistant-helped-label');
        label.textContent = helpful ? 'Obrigado!' :
            'Obrigado. Vamos melhorar esta resposta; um atendente pode ' +
            'ajudar agora.';
        ['assistant-yes', 'assistant-no'].forEach(function (id) {
            document.getElementById(id).remove();
        });
    }

    async function handover() {
        const asked = current;
        if (asked) {
            try {
                await call('handover', {question: asked.question,
                    token: asked.token});
            } catch (error) {
                // The citizen is handed over all the same
            }
        }
        if (kiosk) {
            const title = document.getElementById('issue-title');
            document.getElementById('assistant-result').textContent = '';
            document.getElementById('assistant-result').appendChild(message(
                'info', 'Retire sua senha abaixo: um atendente vai ajudar ' +
                'com a sua pergunta.'));
            title.setAttribute('tabindex', '-1');
            title.scrollIntoView();
            title.focus();
            return;
        }
        // The webchat opens with the question typed (see_webchat's widget
        // reads ?pergunta=)
        window.sessionStorage.setItem(HANDOVER_KEY, '1');
        const query = asked ? '?pergunta=' + encodeURIComponent(asked.text) :
            '';
        window.location.assign(window.location.pathname + query);
    }

    function mirror(section, target) {
        // Shown with the page's first step, hidden with it
        function update() {
            section.hidden = target.hidden;
        }
        new MutationObserver(update).observe(target,
            {attributes: true, attributeFilter: ['hidden']});
        update();
    }

    function run(status) {
        const style = make('link', {rel: 'stylesheet',
            href: '/see_assistente/static/assistente.css'});
        document.head.appendChild(style);
        const section = build();
        let target;
        if (kiosk) {
            target = document.getElementById('issue-form');
            target.parentNode.insertBefore(section, target);
        } else {
            if (window.sessionStorage.getItem(HANDOVER_KEY)) {
                // Handed over already: the conversation comes first
                window.sessionStorage.removeItem(HANDOVER_KEY);
                return;
            }
            target = document.getElementById('identify');
            target.parentNode.insertBefore(section, target);
            section.appendChild(button('assistant-skip',
                'Prefiro falar direto com um atendente', false, function () {
                    section.remove();
                    document.getElementById('name').focus();
                }));
        }
        offerFrequent(section, status.frequent);
        mirror(section, target);
    }

    async function activated() {
        // The status, or null where the assistant is not activated
        try {
            const response = await fetch(base + 'status',
                {cache: 'no-store'});
            return response.ok ? await response.json() : null;
        } catch (error) {
            return null;
        }
    }

    function offerFrequent(section, titles) {
        if (!titles || !titles.length) {
            return;
        }
        const box = make('div', {'class': 'assistant-frequent'});
        box.appendChild(make('p', {id: 'assistant-frequent-title'},
            'Perguntas frequentes:'));
        const list = make('ul', {
            'aria-labelledby': 'assistant-frequent-title'});
        titles.forEach(function (title) {
            const item = make('li');
            item.appendChild(button('', title, false, function () {
                document.getElementById('assistant-question').value = title;
                document.getElementById('assistant-form').requestSubmit();
            }));
            item.firstChild.removeAttribute('id');
            list.appendChild(item);
        });
        box.appendChild(list);
        section.insertBefore(box, document.getElementById('assistant-result'));
    }

    const ready = new Promise(function (resolve) {
        if (document.readyState === 'loading') {
            document.addEventListener('DOMContentLoaded', resolve);
        } else {
            resolve();
        }
    });
    Promise.all([activated(), ready]).then(function (results) {
        if (results[0]) {
            run(results[0]);
        }
    });
}());
