"""The application service: what an entry point (CLI today, HTTP API next) calls to act on
plans. It turns Temporal's and the store's failures into this layer's own errors."""
