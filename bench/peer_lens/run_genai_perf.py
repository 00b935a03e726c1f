"""GenAI-Perf on the recorded streams: its own profile-export parser (LLMProfileDataParser:
splintered and merged SSE responses, empty responses removed, token counting, per-request
metrics) and its own Statistics, on the profile export perf_analyzer would have written for the
replay: one response per network read, with that read's time (perf_analyzer, the C++ client
that records them, is the network side replaced). The streams are sent without their usage-only
chunks: GenAI-Perf does not ask for usage. Usage: python3 run_genai_perf.py CHECKOUT_DIR COMMIT
OUT.json (numpy)."""
import json
import os
import sys
import tempfile
import types

import _autostub
import _replay

checkout, commit = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(checkout, "genai-perf"))
# tqdm: the progress bar over the requests, passed through.
_tqdm = types.ModuleType("tqdm")
_tqdm.tqdm = lambda iterable=None, *a, **k: iterable
sys.modules["tqdm"] = _tqdm
_autostub.install(["fastparquet", "jinja2", "kaleido", "optuna", "pandas", "PIL", "plotly",
                   "pyarrow", "rich", "soundfile", "statsmodels", "transformers", "perf_analyzer",
                   "yaml", "responses"])
import logging  # noqa: E402

logging.disable(logging.CRITICAL)
from genai_perf.profile_data_parser.llm_profile_data_parser import LLMProfileDataParser  # noqa: E402

doc = _replay.load_streams()
clock = _replay.Clock()


class _Tokenizer:
    def encode(self, text, **kwargs):
        return _replay.encode(text)

    def __call__(self, texts, **kwargs):
        return {"input_ids": [_replay.encode(t) for t in texts]}


def _request(k, stream):
    """perf_analyzer's record of request k: its send time and each read with its time."""
    send = _replay.send_ms(k, doc)
    clock.set_ms(send)
    timestamp = clock.ns()
    times, outputs = [], []
    for at, data in _replay.reads(stream, with_usage=False):
        clock.set_ms(send + at)
        times.append(clock.ns())
        outputs.append({"response": data.decode()})
    payload = {"model": "m", "messages": [{"role": "user", "content": "Say something"}],
               "max_tokens": doc["maxTokens"], "stream": True}
    return {"timestamp": timestamp, "request_inputs": {"payload": json.dumps(payload)},
            "response_timestamps": times, "response_outputs": outputs}


def _parse(requests):
    export = {"service_kind": "openai", "endpoint": "v1/chat/completions",
              "experiments": [{"experiment": {"mode": "concurrency", "value": 1},
                               "requests": requests}]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(export, f)
    try:
        parser = LLMProfileDataParser(filename=f.name, tokenizer=_Tokenizer())
    finally:
        os.unlink(f.name)
    return parser.get_statistics("concurrency", "1")


requests, all_requests = [], []
for k, stream in enumerate(doc["streams"]):
    record = _request(k, stream)
    all_requests.append(json.loads(json.dumps(record)))
    m = _parse([record])._metrics
    one = lambda values, scale: values[0] * scale if values else None  # noqa: E731
    ok = bool(m.request_latencies)  # a request whose responses were all empty is left out
    requests.append({"stream": stream["name"], "ok": ok, "values": None if not ok else {
        "ttftMs": one(m.time_to_first_tokens, 1e-6),
        "ttstMs": one(m.time_to_second_tokens, 1e-6),
        "itlMs": one(m.inter_token_latencies, 1e-6),
        "e2eMs": one(m.request_latencies, 1e-6),
        "outputTokens": one(m.output_sequence_lengths, 1),
        "outputThroughputTokPerS": one(m.output_token_throughputs_per_user, 1),
    }})

stats = _parse(all_requests)
d = stats._stats_dict
m = stats._metrics


def _stats(name, scale):
    s = d[name]
    return {"mean": s["avg"] * scale, "std": s["std"] * scale, "min": s["min"] * scale,
            "max": s["max"] * scale,
            "percentiles": {p: s[p] * scale for p in
                            ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"]}}


completed = len(m.request_latencies)
first_send = min(r["timestamp"] for r, q in zip(all_requests, requests) if q["ok"])
last_response = max(q["values"]["e2eMs"] + _replay.send_ms(k, doc)
                    for k, q in enumerate(requests) if q["ok"])
_replay.emit({
    "peer": "genai-perf",
    "source": {"repo": "triton-inference-server/perf_analyzer", "commit": commit,
               "ran": "LLMProfileDataParser (genai-perf), Statistics"},
    "requests": requests,
    "run": {
        "durationMs": last_response - (first_send / 1e6 - _replay.Clock.BASE_MS),
        "completed": completed,
        "failed": len(requests) - completed,
        "outputTokensPerS": d["output_token_throughput"]["avg"],
        "metrics": {
            "ttftMs": _stats("time_to_first_token", 1e-6),
            "ttstMs": _stats("time_to_second_token", 1e-6),
            "itlMs": _stats("inter_token_latency", 1e-6),
            "e2eMs": _stats("request_latency", 1e-6),
            "outputTokens": _stats("output_sequence_length", 1),
            "outputThroughputTokPerS": _stats("output_token_throughput_per_user", 1),
        },
    },
})
