"""LLMPerf on the recorded streams: its own token_benchmark_ray.get_token_throughput_latencies
(request loop, per-request post-processing, metrics_summary) and its own OpenAI chat client at
one commit, with Ray's actors, the HTTP connection, the clock and the Llama tokenizer replaced
(the tokenizer by the replay's word counter). The streams are sent without their usage-only
chunks: LLMPerf does not ask for usage. Usage: python3 run_llmperf.py CHECKOUT_DIR COMMIT OUT.json
(run with a Python that has pandas, numpy, pydantic and requests)."""
import io
import os
import sys
import types

import _autostub
import _replay

checkout, commit = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(checkout, "src"))
sys.path.insert(0, checkout)
_autostub.install(["tqdm", "boto3", "botocore", "litellm", "google", "vertexai"])

clock = _replay.Clock()
doc = _replay.load_streams()
_next = {"k": 0}


def _before_request():
    """The closed loop with one request in flight: request k starts at its send time."""
    clock.set_ms(_replay.send_ms(_next["k"], doc))


# Ray: an actor is the object itself; a pool runs each submitted call at once.
ray = types.ModuleType("ray")
ray.init = lambda *a, **k: None


def _remote(cls):
    class _Handle:
        def __init__(self):
            self._obj = cls()

        def __getattr__(self, name):
            return types.SimpleNamespace(remote=getattr(self._obj, name))

    cls.remote = staticmethod(lambda *a, **k: _Handle())
    return cls


ray.remote = _remote
ray_util = types.ModuleType("ray.util")


class ActorPool:
    def __init__(self, actors):
        self._actors, self._done = list(actors), []

    def has_free(self):
        return True

    def submit(self, fn, value):
        _before_request()
        self._done.append(fn(self._actors[0], value))

    def has_next(self):
        return bool(self._done)

    def get_next_unordered(self):
        return self._done.pop(0)


ray_util.ActorPool = ActorPool
ray.util = ray_util
sys.modules["ray"], sys.modules["ray.util"] = ray, ray_util

# transformers: the Llama tokenizer becomes the replay's word counter.
transformers = types.ModuleType("transformers")


class LlamaTokenizerFast:
    @classmethod
    def from_pretrained(cls, *a, **k):
        return cls()

    def encode(self, text):
        return _replay.encode(text)

    def decode(self, ids):
        return " ".join("w" for _ in ids)


transformers.LlamaTokenizerFast = LlamaTokenizerFast
sys.modules["transformers"] = transformers

import requests  # noqa: E402


class _Raw(io.RawIOBase):
    """The connection: hands over one recorded read at a time, moving the clock to it."""

    def __init__(self, reads, send, body_end):
        self._reads, self._send, self._body_end = reads, send, body_end

    def stream(self, amt=None, decode_content=None):
        for at, data in self._reads:
            clock.set_ms(self._send + at)
            yield data
        clock.set_ms(self._send + self._body_end)

    def release_conn(self):
        pass


def _post(url, json=None, stream=False, timeout=None, headers=None):
    k = _next["k"]
    _next["k"] += 1
    assert "stream_options" not in json, "LLMPerf does not ask for usage"
    s = doc["streams"][k]
    response = requests.models.Response()
    response.status_code = 200
    response.raw = _Raw(_replay.reads(s, with_usage=False), _replay.send_ms(k, doc), s["bodyEndMs"])
    response.url = url
    return response


os.environ.setdefault("OPENAI_API_BASE", "http://replay/v1")
os.environ.setdefault("OPENAI_API_KEY", "replay")
import llmperf.ray_clients.openai_chat_completions_client as client_module  # noqa: E402
import token_benchmark_ray as tbr  # noqa: E402

client_module.requests = types.SimpleNamespace(post=_post)
client_module.time = _replay.TimeShim(clock)
tbr.time = _replay.TimeShim(clock)

clock.set_ms(0)
n = len(doc["streams"])
summary, individual = tbr.get_token_throughput_latencies(
    model="m", mean_input_tokens=20, stddev_input_tokens=0, mean_output_tokens=doc["maxTokens"],
    stddev_output_tokens=0, num_concurrent_requests=1, max_num_completed_requests=n,
    test_timeout_s=10**9, llm_api="openai",
)
results = summary["results"]
_replay.emit({
    "peer": "llmperf",
    "source": {"repo": "ray-project/llmperf", "commit": commit,
               "ran": "token_benchmark_ray.get_token_throughput_latencies, OpenAIChatCompletionsClient.llm_request"},
    "requests": [
        {"stream": s["name"], "ok": r["error_code"] is None, "values": {
            "ttftMs": r["ttft_s"] * 1000,
            "itlMs": r["inter_token_latency_s"] * 1000,
            "e2eMs": r["end_to_end_latency_s"] * 1000,
            "outputThroughputTokPerS": r["request_output_throughput_token_per_s"],
            "outputTokens": r["number_output_tokens"],
        }}
        for s, r in zip(doc["streams"], individual)
    ],
    "run": {
        "durationMs": clock.elapsed_ms(),
        "completed": results["num_completed_requests"],
        "failed": results["number_errors"],
        "outputTokensPerS": results["mean_output_throughput_token_per_s"],
        "metrics": {
            name: {
                "mean": results[key]["mean"] * scale,
                "std": results[key]["stddev"] * scale,
                "min": results[key]["min"] * scale,
                "max": results[key]["max"] * scale,
                "percentiles": {p: v * scale for p, v in results[key]["quantiles"].items()},
            }
            for name, key, scale in [
                ("itlMs", "inter_token_latency_s", 1000),
                ("ttftMs", "ttft_s", 1000),
                ("e2eMs", "end_to_end_latency_s", 1000),
                ("outputThroughputTokPerS", "request_output_throughput_token_per_s", 1),
                ("outputTokens", "number_output_tokens", 1),
            ]
        },
    },
})
