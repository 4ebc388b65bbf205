"""The client side: an asyncio client library and the ``tail`` and ``doctor`` tools built on it.

They talk to a gateway over the network as any other client does, and share nothing with the
server's modules but the routing-key rules.
"""
