"""The metro rider service's adapters to outside services: the card payment gateway
(``gateway``) and the public-data entitlement verification (``entitlements``), each with a
loopback stand-in (``standins``). Protocols: docs/metro-payments.md."""
