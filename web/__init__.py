"""The Vietnamese web interface: pages rendered on the server (Jinja2), forms that post, htmx
for the few parts that refresh themselves. An edge over the application layer, like the CLI."""
