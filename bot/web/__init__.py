"""The coordinators' desk (issue #12): a small aiohttp web app served from the bot's own
process and event loop, sharing its services. No ``telegram`` here: the desk speaks HTTP
and reaches everything through ``bot.services.desk``."""
