"""Help and usage lines as people write them: ``pykis quote [OPTIONS] SYMBOLS...`` and
``--limit LIMIT``, not typer's type placeholders (``{symbols}``, ``<list[str]>``,
``<int range>``, ``<bool>`` after every flag).

``app.command(cls=PlainCommand)`` gives a command this; nothing changes but what help
and usage errors print. Typer's display methods differ between its versions: the
overrides below are the ones recent versions call; older ones, which print click's
classic names already, never call them.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperOption

__all__ = ["PlainCommand"]


class PlainCommand(TyperCommand):
    """A typer command whose help names arguments and option values in capitals."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:  # the shared options and --help included
            if type(param) is TyperArgument:
                param.__class__ = _Argument
            elif type(param) is TyperOption:
                param.__class__ = _Option
        return params


class _Argument(TyperArgument):
    @property
    def display_name_raw(self) -> str:  # also what "Missing argument 'SYMBOL'" names
        return self.metavar or (self.name or "").upper()

    def _shown(self) -> str:
        name = self.display_name_raw
        return name if self.metavar or self.nargs == 1 else f"{name}..."

    def _rich_display_name(self) -> str:
        return self._shown()

    def _usage_display_name(self) -> str:
        return self._shown() if self.required else f"[{self._shown()}]"

    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the name says it; the help text says what it is


class _Option(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        if self.metavar is not None:
            return self.metavar or None
        if self.is_flag or self.count:
            return None  # a flag takes no value
        choices = getattr(getattr(self, "type_descriptor", None), "choices", None)
        if choices:
            return "|".join(str(getattr(choice, "value", choice)) for choice in choices)
        return (self.name or "").upper()
