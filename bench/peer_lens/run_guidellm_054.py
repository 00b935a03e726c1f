"""GuideLLM 0.5.4 on the recorded streams: its own chat request formatter, its own OpenAI HTTP
backend (OpenAIHTTPBackend.resolve: it reads the body to its end), its own request statistics
(GenerativeRequestsAccumulator.update_estimate) and its own run metrics (GenerativeMetrics.compile),
with httpx's client and the clock replaced by the replay. The request carries an output-token
target (the streams file's maxTokens) as GuideLLM's synthetic data does.
Usage: python3 run_guidellm_054.py CHECKOUT_DIR COMMIT OUT.json (pydantic 2, numpy)."""
import asyncio
import os
import sys
import types

import _autostub
import _replay

checkout, commit = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(checkout, "src"))
_autostub.install([
    "loguru", "httpx", "datasets", "culsans", "faker", "ftfy", "msgpack", "rich", "sanic",
    "tabulate", "transformers", "torch", "more_itertools", "websockets", "eval_type_backport",
    "h2", "PIL", "soundfile", "torchcodec", "msgspec", "pandas", "pyarrow", "click", "jinja2",
    "yaml", "protobuf", "google",
])
import warnings  # noqa: E402

warnings.simplefilter("ignore")
import guidellm.backends.openai as http  # noqa: E402
from guidellm.benchmark.schemas.generative.accumulator import GenerativeRequestsAccumulator  # noqa: E402
from guidellm.benchmark.schemas.generative.metrics import GenerativeMetrics  # noqa: E402
from guidellm.data.preprocessors.formatters import GenerativeChatCompletionsRequestFormatter  # noqa: E402
from guidellm.schemas import RequestInfo  # noqa: E402

clock = _replay.Clock()
http.time = _replay.TimeShim(clock)
doc = _replay.load_streams()


class _Stream:
    """httpx's streamed response: raise_for_status() and aiter_lines() over the replayed reads."""

    def __init__(self, reads, send, body_end):
        self._reads, self._send, self._body_end = reads, send, body_end

    def raise_for_status(self):
        return None

    async def aiter_lines(self):
        for at, data in self._reads:
            clock.set_ms(self._send + at)
            for line in data.decode().split("\n"):
                yield line
        clock.set_ms(self._send + self._body_end)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class _Client:
    def __init__(self):
        self.stream_for = None
        self.bodies = []

    def stream(self, method, url, **kwargs):
        self.bodies.append(kwargs.get("json"))
        return self.stream_for


async def main():
    backend = http.OpenAIHTTPBackend(target="http://replay", model="m")
    formatter = GenerativeChatCompletionsRequestFormatter(model="m")
    client = _Client()
    backend._async_client = client
    backend._in_process = True
    completed, errored = GenerativeRequestsAccumulator(), GenerativeRequestsAccumulator()
    requests = []
    for k, stream in enumerate(doc["streams"]):
        send = _replay.send_ms(k, doc)
        client.stream_for = _Stream(_replay.reads(stream, with_usage=True), send, stream["bodyEndMs"])
        request = formatter({"text_column": ["Say something"],
                             "output_tokens_count_column": [doc["maxTokens"]]})
        info = RequestInfo(request_id=request.request_id)
        clock.set_ms(send)
        info.timings.queued = info.timings.dequeued = info.timings.resolve_start = clock.seconds()
        response = None
        try:
            async for response, info in backend.resolve(request, info):
                pass
            info.status = "completed"
        except Exception as error:  # the worker marks the request errored
            info.status = "errored"
            info.error = str(error)
        info.timings.resolve_end = info.timings.finalized = clock.seconds()
        target = completed if info.status == "completed" else errored
        stats = target.update_estimate(response, request, info, True)
        body = client.bodies[-1]
        assert body["stream_options"]["include_usage"] is True
        ok = info.status == "completed"
        requests.append({
            "stream": stream["name"],
            "ok": ok,
            "error": None if ok else info.error,
            "values": None if not ok else {
                "ttftMs": stats.time_to_first_token_ms,
                "itlMs": stats.inter_token_latency_ms,
                "tpotMs": stats.time_per_output_token_ms,
                "e2eMs": stats.request_latency * 1000,
                "outputThroughputTokPerS": stats.output_tokens_per_second,
                "outputTokens": stats.output_tokens,
            },
        })
    last = len(doc["streams"]) - 1
    start = _replay.Clock.BASE_MS / 1000
    end = start + (_replay.send_ms(last, doc) + doc["streams"][last]["bodyEndMs"]) / 1000
    accumulator = types.SimpleNamespace(
        timings=types.SimpleNamespace(finalized_measure_start=start, finalized_measure_end=end),
        completed=completed, incomplete=GenerativeRequestsAccumulator(), errored=errored,
    )
    metrics = GenerativeMetrics.compile(accumulator)

    def dist(summary, scale=1.0):
        s = summary.successful
        return {
            "count": s.count, "mean": s.mean * scale, "std": s.std_dev * scale,
            "min": s.min * scale, "max": s.max * scale,
            "percentiles": {k: v * scale for k, v in s.percentiles.model_dump().items()},
        }

    _replay.emit({
        "peer": "guidellm-0.5.4",
        "source": {"repo": "vllm-project/guidellm", "commit": commit,
                   "ran": "OpenAIHTTPBackend.resolve, GenerativeRequestsAccumulator.update_estimate, GenerativeMetrics.compile"},
        "requests": requests,
        "run": {
            "completed": metrics.request_totals.successful,
            "failed": metrics.request_totals.errored,
            "outputTokensPerS": metrics.output_tokens_per_second.successful.mean,
            "metrics": {
                "ttftMs": dist(metrics.time_to_first_token_ms),
                "itlMs": dist(metrics.inter_token_latency_ms),
                "tpotMs": dist(metrics.time_per_output_token_ms),
                "e2eMs": dist(metrics.request_latency, 1000),
                "outputTokens": dist(metrics.output_token_count),
            },
        },
    })


asyncio.run(main())
