"""Access tokens: ``AuthManager`` and the stores that share tokens between threads,
tasks and processes."""

from pykis.auth.manager import AuthManager
from pykis.auth.token import FileTokenStore, MemoryTokenStore, Token, TokenStore

__all__ = ["AuthManager", "FileTokenStore", "MemoryTokenStore", "Token", "TokenStore"]
