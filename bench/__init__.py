"""What the load benchmark (scripts/bench.py) shares with the server tests: the servers as `make run` starts them,
and simulated learners. Nothing here is imported by the bot itself."""
