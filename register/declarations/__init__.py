"""Officials filing, amending and viewing their annual declarations."""
