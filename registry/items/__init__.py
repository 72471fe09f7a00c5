"""The catalog item aggregate: its commands, state, decider (pure decide/evolve) and rules."""
