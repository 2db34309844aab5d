"""Real-time data from KIS's WebSocket: trades, order books and execution notices."""
