"""AIPerf on the recorded streams: its own aiohttp client (OpenAIClientAioHttp.send_request and
its SSE stream reader), its own response parsing and token counting
(InferenceResultParser.parse_request_record), its own record metrics
(MetricRecordProcessor.process_record) and its own run statistics
(MetricResultsProcessor.summarize), with aiohttp's connection and the clock replaced by the
replay. The streams are sent without their usage-only chunks: AIPerf does not ask for usage.
Usage: python3 run_aiperf.py CHECKOUT_DIR COMMIT OUT.json (pydantic 2, numpy)."""
import asyncio
import sys
import types

import _autostub
import _replay

checkout, commit = sys.argv[1], sys.argv[2]
sys.path.insert(0, checkout)
clock = _replay.Clock()
doc = _replay.load_streams()

# aiohttp: the session hands over the replayed stream of the request being sent.
aiohttp = types.ModuleType("aiohttp")


class _Content:
    def __init__(self, reads, send, body_end):
        self._reads, self._send, self._body_end = list(reads), send, body_end
        self._buffer = b""

    def _pull(self):
        if not self._reads:
            return False
        at, data = self._reads.pop(0)
        clock.set_ms(self._send + at)
        self._buffer += data
        return True

    def at_eof(self):
        if self._buffer or self._reads:
            return False
        clock.set_ms(self._send + self._body_end)  # the connection says the body ended
        return True

    async def read(self, n=-1):
        if not self._buffer:
            self._pull()
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    async def readuntil(self, separator=b"\n"):
        while separator not in self._buffer and self._pull():
            pass
        i = self._buffer.find(separator)
        end = len(self._buffer) if i < 0 else i + len(separator)
        out, self._buffer = self._buffer[:end], self._buffer[end:]
        return out


class _Response:
    status = 200
    reason = "OK"
    content_type = "text/event-stream"

    def __init__(self, content):
        self.content = content

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


_current = {}


class ClientSession:
    def __init__(self, *a, **k):
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False

    def request(self, method, url, data=None, headers=None, **kwargs):
        _current["payload"] = data
        return _Response(_current["content"])


class _Anything:
    def __init__(self, *a, **k):
        pass

    async def close(self):
        pass


aiohttp.ClientSession, aiohttp.TCPConnector, aiohttp.ClientTimeout = ClientSession, _Anything, _Anything
aiohttp.ClientResponse = _Response
sys.modules["aiohttp"] = aiohttp
_autostub.install(["aiofiles", "cyclopts", "openai", "PIL", "psutil", "zmq", "rich", "ruamel",
                   "setproctitle", "soundfile", "textual", "tqdm", "transformers", "uvloop"],
                  class_attributes=True)
import warnings  # noqa: E402

warnings.simplefilter("ignore")
import aiperf.clients.http.aiohttp_client as http_client  # noqa: E402
import aiperf.clients.openai.openai_aiohttp as openai_aiohttp  # noqa: E402
from aiperf.clients.model_endpoint_info import ModelEndpointInfo  # noqa: E402
from aiperf.common.config import EndpointConfig, UserConfig  # noqa: E402
from aiperf.parsers.inference_result_parser import InferenceResultParser  # noqa: E402
from aiperf.parsers.openai_parsers import OpenAIResponseExtractor  # noqa: E402
from aiperf.post_processors.metric_record_processor import MetricRecordProcessor  # noqa: E402
from aiperf.post_processors.metric_results_processor import MetricResultsProcessor  # noqa: E402

http_client.time = _replay.TimeShim(clock)
openai_aiohttp.time = _replay.TimeShim(clock)


class _Tokenizer:
    def encode(self, text):
        return _replay.encode(text)


async def main():
    user_config = UserConfig(endpoint=EndpointConfig(model_names=["m"], type="chat", streaming=True,
                                                     url="http://replay"))
    model_endpoint = ModelEndpointInfo.from_user_config(user_config)
    client = openai_aiohttp.OpenAIClientAioHttp(model_endpoint)
    # The parser's own methods on a stand-in for its service (no message bus, one tokenizer).
    parser = types.SimpleNamespace(
        extractor=OpenAIResponseExtractor(model_endpoint),
        trace_or_debug=lambda *a, **k: None, debug=lambda *a, **k: None,
        warning=lambda *a, **k: None, exception=lambda *a, **k: None,
    )

    async def _input_tokens(record):
        return 20

    async def _tokenizer(model):
        return _Tokenizer()

    parser.compute_input_token_count = _input_tokens
    parser.get_tokenizer = _tokenizer
    parser.process_valid_record = types.MethodType(InferenceResultParser.process_valid_record, parser)
    records = MetricRecordProcessor(user_config=user_config)
    results = MetricResultsProcessor(user_config=user_config)
    requests = []
    for k, stream in enumerate(doc["streams"]):
        send = _replay.send_ms(k, doc)
        _current["content"] = _Content(_replay.reads(stream, with_usage=False), send, stream["bodyEndMs"])
        clock.set_ms(send)
        payload = {"model": "m", "messages": [{"role": "user", "content": "Say something"}],
                   "max_completion_tokens": doc["maxTokens"], "stream": True}
        record = await client.send_request(model_endpoint, payload)
        assert "stream_options" not in payload
        record.model_name = "m"
        record.timestamp_ns = record.start_perf_ns
        parsed = await InferenceResultParser.parse_request_record(parser, record)
        metrics = await records.process_record(parsed)
        # MetricRecordsData as the record processor sends it: only its metrics are read here.
        await results.process_result(types.SimpleNamespace(metrics=metrics))
        ok = parsed.valid
        values = None
        if ok:
            ms = lambda tag: None if tag not in metrics else metrics[tag] / 1e6  # noqa: E731
            values = {
                "ttftMs": ms("time_to_first_token"), "ttstMs": ms("time_to_second_token"),
                "itlMs": ms("inter_token_latency"),
                "e2eMs": ms("request_latency"),
                "outputTokens": metrics.get("output_sequence_length"),
                "outputThroughputTokPerS": metrics.get("output_token_throughput_per_user"),
                "gapsMs": [x / 1e6 for x in metrics.get("inter_chunk_latency", [])],
            }
        requests.append({"stream": stream["name"], "ok": bool(ok), "values": values})
    summary = {r.tag: r for r in await results.summarize()}

    def stats(tag, scale):
        r = summary[tag]
        return {
            "count": r.count, "mean": r.avg * scale, "std": r.std * scale,
            "min": r.min * scale, "max": r.max * scale,
            "percentiles": {p: getattr(r, p) * scale for p in
                            ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"]},
        }

    _replay.emit({
        "peer": "aiperf",
        "source": {"repo": "ai-dynamo/aiperf", "commit": commit,
                   "ran": "OpenAIClientAioHttp.send_request, InferenceResultParser.parse_request_record, MetricRecordProcessor.process_record, MetricResultsProcessor.summarize"},
        "requests": requests,
        "run": {
            "durationMs": summary["benchmark_duration"].avg / 1e6,
            "completed": summary["request_count"].avg,
            "failed": len(requests) - summary["request_count"].avg,
            "outputTokensPerS": summary["output_token_throughput"].avg,
            "metrics": {
                "ttftMs": stats("time_to_first_token", 1e-6),
                "ttstMs": stats("time_to_second_token", 1e-6),
                "itlMs": stats("inter_token_latency", 1e-6), "e2eMs": stats("request_latency", 1e-6),
                "outputTokens": stats("output_sequence_length", 1),
                "outputThroughputTokPerS": stats("output_token_throughput_per_user", 1),
                "interChunkMs": stats("inter_chunk_latency", 1e-6),
            },
        },
    })


asyncio.run(main())
