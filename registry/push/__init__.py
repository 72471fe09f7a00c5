"""Push to subscribers: webhook subscriptions, their key, their store and the deliveries."""
