"""The command-line interface: `nhansu --help`."""
