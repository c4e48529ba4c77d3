"""The basic resident register (住民基本台帳) of the registry node: residents, events, numbers."""
