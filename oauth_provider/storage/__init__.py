"""Storage: the models, the token store, the caches, revocation and maintenance.

Imports only ``core`` and the settings; the authorization server, the resource
server and the operations layer build on it.
"""
