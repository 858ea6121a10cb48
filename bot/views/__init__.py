"""What a person reads: pure functions from domain data to text (no I/O, no Telegram)."""
