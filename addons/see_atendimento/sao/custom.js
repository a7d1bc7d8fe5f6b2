/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* Loaded by the web client (sao) after its own script, from its root:
   see_atendimento serves it (sao.py).  It gives the client the product's
   name and icon and its Brazilian Portuguese: sao's own pt is European
   ("registos") and the users speak pt, so the Portuguese file asked for is
   the Brazilian one this server derives from it. */
(function() {
    'use strict';
    var TITLE = 'Central de Atendimento SEE';
    var ICON = '/see_atendimento/sao/icon.svg';

    Sao.config.title = TITLE;
    document.title = TITLE;

    var getJSON = jQuery.getJSON;
    jQuery.getJSON = function(url) {
        var args = Array.prototype.slice.call(arguments);
        if (url === 'locale/pt.json') {
            args[0] = 'locale/pt_BR.json';
        }
        return getJSON.apply(this, args);
    };

    jQuery(function() {
        jQuery('link[rel="icon"]').attr({href: ICON, type: 'image/svg+xml'});
        jQuery('#title').text(TITLE);
        var brand = jQuery('.navbar-brand');
        if (!brand.find('.see-logo').length) {
            jQuery('<img/>', {
                'class': 'see-logo',
                src: ICON,
                alt: '',
            }).insertBefore(brand.find('#title'));
        }
    });
}());
