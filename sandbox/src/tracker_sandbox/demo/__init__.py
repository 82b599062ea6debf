"""`tracker demo`: the whole loop on the built-in sandbox, with no credentials."""
