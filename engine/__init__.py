"""Operations-science engine of mrp_drs (Dynamic Risk-based Scheduling).

Pure Python on numpy / scipy / pandas; it imports nothing from Odoo, so it can be
used and tested from the repository root (``import engine``) as well as inside
Odoo (``odoo.addons.mrp_drs.engine``). Every module imports its siblings
relatively for that reason.

Modules, one concept each:

- :mod:`.queueing`   G/G/m queue time, linking equation, serial-line flow
- :mod:`.conwip`     best / worst / practical-worst cases, mean value analysis
- :mod:`.flowline`   one model of a CONWIP flow (throughput, cap, lead time, quotes)
- :mod:`.leadtime`   load-based planned lead times (virtual queue included)
- :mod:`.inventory`  base stock, (Q, r) fill rate, safety stock, frontier
- :mod:`.lotsizing`  capacitated multi-product lot sizes
- :mod:`.assignment` min-max utilisation assignment to alternative resources
- :mod:`.duedate`    make-up time threshold and due-date quoting
- :mod:`.heijunka`   takt time, quotas, levelled mixed-model sequences
- :mod:`.simulation` discrete-event risk check of CONWIP versus push
- :mod:`.optimize`   full plant parameter optimisation (used by wizards, demo, bench)
- :mod:`.plants`     the bundled demo plant and generated plants of any size
- :mod:`.benchmark`  timing of the plant optimisation (``python -m engine bench``)
"""

from . import (
    assignment,
    benchmark,
    conwip,
    duedate,
    flowline,
    heijunka,
    inventory,
    leadtime,
    lotsizing,
    optimize,
    plants,
    queueing,
    simulation,
)
