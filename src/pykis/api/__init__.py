"""The I/O-free core: endpoint declarations, request building, response parsing, error
mapping, paging, token and retry decisions, written as flows that the sync and async
drivers run (``pykis.utils.drivers``)."""
