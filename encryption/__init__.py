"""How this project talks to Temporal: payload encryption and the data converter."""
