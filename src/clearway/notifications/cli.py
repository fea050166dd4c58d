"""`clearway stream …`: the event stream for systems; `follow` is the example consumer (an agency, a warehouse)."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

app = typer.Typer(help="Event stream (NATS JetStream) for partner systems", no_args_is_help=True)


async def _follow(url: str, stream: str, durable: str, subject: str, limit: int, idle_s: float) -> int:
    import nats
    from nats.errors import TimeoutError as NatsTimeout

    nc = await nats.connect(url, connect_timeout=2)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, durable=durable, stream=stream)
        seen = 0
        while limit == 0 or seen < limit:
            try:
                batch = await sub.fetch(min(500, limit - seen) if limit else 500, timeout=idle_s)
            except NatsTimeout:
                break  # nothing new for idle_s: the consumer is caught up
            for msg in batch:
                sys.stdout.write(msg.data.decode("utf-8") + "\n")
                await msg.ack()  # acknowledged once written: a consumer that dies re-reads what it had not
                seen += 1
        return seen
    finally:
        await nc.close()


@app.command("follow")
def follow(
    durable: Annotated[str, typer.Option(help="Durable consumer name: the stream remembers where it stopped")],
    subject: Annotated[str, typer.Option(help="Subject filter, e.g. clearway.controls.> or clearway.*.ICN01.*")]
    = "clearway.>",
    limit: Annotated[int, typer.Option("--max", help="Stop after this many messages (0: until idle)")] = 0,
    idle_s: Annotated[float, typer.Option(help="Stop after this many seconds without a message")] = 2.0,
) -> None:
    """Print the stream's events as JSON lines from where this consumer stopped, acknowledging each."""
    from clearway.notifications.settings import stream_settings

    settings = stream_settings()
    if not settings.url:
        typer.secho("CLEARWAY_STREAM_URL is not set (e.g. nats://127.0.0.1:4222)", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    seen = asyncio.run(_follow(settings.url, settings.name, durable, subject, limit, idle_s))
    typer.echo(f"{seen} events read by consumer {durable}", err=True)
