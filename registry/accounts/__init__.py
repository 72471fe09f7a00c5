"""The new-media account aggregate (政务新媒体清单): its commands, state, decider (pure decide/evolve) and rules."""
