"""The replay every peer runner shares: the recorded streams, a clock the replay moves, the SSE
bytes of each network read, and the tokenizer every side counts with."""
import json
import re
import sys
from pathlib import Path

STREAMS = Path(__file__).resolve().parents[2] / "tests" / "testdata" / "peer_lens_streams.json"


def load_streams():
    """The streams file: {maxTokens, sendIntervalMs, streams: [{name, reads, bodyEndMs}]}."""
    return json.loads(STREAMS.read_text())


def is_usage_only(message):
    """A usage-only chunk: no choices and a usage object (sent only to a client that asks)."""
    return isinstance(message, dict) and not message.get("choices") and message.get("usage")


def reads(stream, with_usage):
    """[(atMs, bytes)] of one stream; without usage, the usage-only chunks are left out."""
    out = []
    for read in stream["reads"]:
        messages = [m for m in read["messages"] if with_usage or not is_usage_only(m)]
        if not messages:
            continue
        text = "".join(
            "data: " + (m if isinstance(m, str) else json.dumps(m, separators=(",", ":"))) + "\n\n"
            for m in messages
        )
        out.append((read["atMs"], text.encode()))
    return out


class Clock:
    """The replayed clock, in seconds; the fake network moves it as it hands over each read. The
    run's start is at 1000 s, not 0 (AIPerf takes a zero timestamp for a missing one)."""

    BASE_MS = 1_000_000

    def __init__(self):
        self.now = self.BASE_MS / 1000.0

    def set_ms(self, ms):
        self.now = (self.BASE_MS + ms) / 1000.0

    def elapsed_ms(self):
        return self.now * 1000.0 - self.BASE_MS

    def seconds(self):
        return self.now

    def ns(self):
        return int(round(self.now * 1e9))


class TimeShim:
    """A stand-in for the `time` module whose clocks read the replay clock."""

    def __init__(self, clock):
        import time as real
        self._real = real
        self._clock = clock

    def __getattr__(self, name):
        return getattr(self._real, name)

    def perf_counter(self):
        return self._clock.seconds()

    def monotonic(self):
        return self._clock.seconds()

    def time(self):
        return self._clock.seconds()

    def perf_counter_ns(self):
        return self._clock.ns()

    def time_ns(self):
        return self._clock.ns()

    def monotonic_ns(self):
        return self._clock.ns()


_TOKEN = re.compile(r"\w+|[^\w\s]", re.ASCII)


def count_tokens(text):
    """Words and punctuation marks: the tokenizer of every side of the comparison."""
    return len(_TOKEN.findall(text or ""))


def encode(text):
    """Token ids of `text` (their count is what matters)."""
    return list(range(count_tokens(text)))


def send_ms(stream_index, doc):
    """When the run sends request `stream_index`, ms after the run's start (one at a time)."""
    return stream_index * doc["sendIntervalMs"]


def emit(result):
    """Write a runner's result as JSON to the file named last on its command line (the peers'
    code prints to stdout)."""
    Path(sys.argv[-1]).write_text(json.dumps(result, indent=1) + "\n")
