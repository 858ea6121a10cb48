"""Typed callback context: handlers reach the services as ``context.services``."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.services.hub import Services


class BotData:
    """Application-wide data; PTB creates it empty and the composition root fills it."""

    services: Services


class Ctx(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services
