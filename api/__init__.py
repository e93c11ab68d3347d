"""The HTTP API (FastAPI): a thin edge over the application layer, like the CLI.

``api.app.create_app`` builds the application; ``api.server.serve`` runs it under uvicorn
(``nhansu serve``). Every route calls one use case of ``application`` and returns its view as
JSON; every failure is a problem-details body in Vietnamese (``api.errors``)."""
