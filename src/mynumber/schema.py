"""Every model of every node, imported so that ``Base.metadata`` holds the whole schema.

Migrations and the check that models and migrations agree read the schema of a node kind from
``Base.metadata``; importing this module first makes sure no domain's tables are missing from it.
"""

from mynumber.accounts import models as account_models
from mynumber.cards import models as card_models
from mynumber.holdings import models as holding_models
from mynumber.institution import models as institution_models
from mynumber.ledger import models as ledger_models
from mynumber.network import models as network_models
from mynumber.oversight import models as oversight_models
from mynumber.portal import models as portal_models
from mynumber.proxies import models as proxy_models
from mynumber.register import models as register_models
from mynumber.storage.models import Base

__all__ = [
    "Base",
    "account_models",
    "card_models",
    "holding_models",
    "institution_models",
    "ledger_models",
    "network_models",
    "oversight_models",
    "portal_models",
    "proxy_models",
    "register_models",
]
