from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seoul.core.adapters.sms import outbox_path, standin_server


class Command(BaseCommand):
    help = "Serve the SMS gateway's loopback stand-in (POST /messages), writing to the SMS outbox file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--delay", type=float, default=0.2, help="seconds before each answer")
        parser.add_argument("--failure-rate", type=float, default=0.0, help="share of requests answered 503")

    def handle(self, *args: Any, **options: Any) -> None:
        server = standin_server(port=options["port"], delay=options["delay"], failure_rate=options["failure_rate"])
        self.stdout.write(f"SMS stand-in on http://127.0.0.1:{options['port']}/messages → {outbox_path()}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
