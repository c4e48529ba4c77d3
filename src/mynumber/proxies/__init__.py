"""Proxies (代理人): a legal guardian for a minor, or a voluntary proxy by consent.

A resident appoints a proxy from the portal: the registry gives them a one-time code, which the
proxy enters after logging in with their own card -- the proxy's consent. From then on the proxy may
act for the resident in the portal, until the resident revokes the appointment; only the resident
can (the proxy cannot keep or renew it, nor appoint others). A guardian's appointment ends by
itself when the minor comes of age. Every time a proxy begins to act, the resident sees it.
"""
