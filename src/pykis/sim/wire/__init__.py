"""KIS wire handlers: requests to state calls, state to KIS-shaped JSON."""
