"""Every domain's tables, imported so that the metadata (Alembic, tests, the worker) sees them all."""

from __future__ import annotations

from clearway import idempotency
from clearway.agencies import models as agencies
from clearway.audit import models as audit
from clearway.auth import models as auth
from clearway.borderposts import models as borderposts
from clearway.bulk import models as bulk
from clearway.controls import models as controls
from clearway.crisis import models as crisis
from clearway.db import Base
from clearway.declarations import models as declarations
from clearway.enforcement import models as enforcement
from clearway.exchange import models as exchange
from clearway.intelligence import models as intelligence
from clearway.notifications import models as notifications
from clearway.ops import models as ops
from clearway.performance import models as performance
from clearway.risk import models as risk
from clearway.tariff import models as tariff
from clearway.training import models as training

MODULES = (idempotency, agencies, audit, auth, borderposts, bulk, controls, crisis, declarations, enforcement,
           exchange, intelligence, notifications, performance, risk, tariff,
           ops)
MODULES_LATER = (training,)  # domains added since; their import registers their tables


def load_all() -> type[Base]:
    """The declarative base, with every table of every domain registered on it (imported above)."""
    return Base
