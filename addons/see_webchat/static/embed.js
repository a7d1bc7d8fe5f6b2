/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* Embed the citizen's chat in any page with one line:
     <script src="https://HOST/DATABASE/see_webchat/embed.js" async></script>
   It adds a button that opens the chat page of the Central in a frame, so
   the conversation runs on the Central's origin (its storage, its
   security policy) whatever site embeds it. */
(function() {
    'use strict';
    var script = document.currentScript || (function() {
        var scripts = document.getElementsByTagName('script');
        for (var i = scripts.length - 1; i >= 0; i--) {
            if (/\/see_webchat\/embed\.js(\?|$)/.test(scripts[i].src)) {
                return scripts[i];
            }
        }
        return null;
    }());
    if (!script || document.getElementById('see-webchat-button')) {
        return;
    }
    var url = script.src.replace(/embed\.js(\?.*)?$/, '');

    var style = document.createElement('style');
    style.textContent =
        '#see-webchat-button{position:fixed;right:16px;bottom:16px;' +
        'z-index:2147483000;padding:12px 18px;border:0;border-radius:24px;' +
        'background:#0b4a8b;color:#fff;font:600 16px system-ui,sans-serif;' +
        'cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}' +
        '#see-webchat-button:focus-visible{outline:3px solid #f2a900;' +
        'outline-offset:2px}' +
        '#see-webchat-frame{position:fixed;right:16px;bottom:76px;' +
        'z-index:2147483000;width:380px;height:600px;max-width:calc(100vw - 32px);' +
        'max-height:calc(100vh - 96px);border:1px solid #59636e;' +
        'border-radius:10px;background:#fff;box-shadow:0 4px 16px rgba(0,0,0,.3)}' +
        '@media (max-width:480px){#see-webchat-frame{right:0;bottom:0;' +
        'width:100vw;height:calc(100vh - 64px);max-width:100vw;' +
        'max-height:none;border-radius:0}}';
    document.head.appendChild(style);

    var button = document.createElement('button');
    button.type = 'button';
    button.id = 'see-webchat-button';
    button.textContent = 'Atendimento por chat';
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', 'see-webchat-frame');
    var frame = null;

    button.addEventListener('click', function() {
        if (!frame) {
            frame = document.createElement('iframe');
            frame.id = 'see-webchat-frame';
            frame.title = 'Atendimento por chat da Secretaria de Educação';
            frame.src = url;
            frame.hidden = true;
            document.body.appendChild(frame);
        }
        var open = frame.hidden;
        frame.hidden = !open;
        button.setAttribute('aria-expanded', String(open));
        button.textContent = open ? 'Fechar chat' : 'Atendimento por chat';
        if (open) {
            frame.focus();
        }
    });
    document.body.appendChild(button);
}());
