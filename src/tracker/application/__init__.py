"""Use cases the CLI and the scheduler both call: the CLI only parses arguments and
prints; what a run does lives here."""
