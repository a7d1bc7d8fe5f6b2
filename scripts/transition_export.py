#!/usr/bin/env python3
# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Transition export of a database (item 10.1.5): see
trytond.modules.see_atendimento.transition_cli, also installed as the
console command see-transition-export.

    scripts/transition_export.py -c trytond.conf --database DB
        --output DIR [--zip]
"""
from trytond.modules.see_atendimento.transition_cli import main

if __name__ == '__main__':
    main()
