"""vLLM `bench serve` on the recorded streams: its own chat request function
(async_request_openai_chat_completions) with aiohttp's session and the clock replaced by the
replay, then its own calculate_metrics over the run. Usage: python3 run_vllm.py SOURCES_DIR OUT.json
(the folder holding vllm/benchmarks/..., see bench/peer_lens_fixtures.ts)."""
import asyncio
import sys

import _autostub
import _replay

sys.path.insert(0, sys.argv[1])
_autostub.install(["aiohttp", "tqdm", "vllm.benchmarks.datasets", "vllm.tokenizers"])
import vllm.benchmarks.lib.endpoint_request_func as erf  # noqa: E402
import vllm.benchmarks.serve as serve  # noqa: E402

clock = _replay.Clock()
erf.time = _replay.TimeShim(clock)
PERCENTILES = [25, 50, 75, 90, 95, 99]


class _Content:
    def __init__(self, reads, send, body_end):
        self._reads, self._send, self._body_end = reads, send, body_end

    async def iter_any(self):
        for at, data in self._reads:
            clock.set_ms(self._send + at)
            yield data
        clock.set_ms(self._send + self._body_end)


class _Response:
    status = 200
    reason = "OK"

    def __init__(self, content):
        self.content = content

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class _Session:
    """aiohttp.ClientSession as the request function uses it: post() → the replayed stream."""

    def __init__(self, reads, send, body_end):
        self._response = _Response(_Content(reads, send, body_end))

    def post(self, url, json=None, headers=None):
        assert json["stream_options"] == {"include_usage": True}
        return self._response


class _Tokenizer:
    def __call__(self, text, add_special_tokens=False):
        return type("Encoded", (), {"input_ids": _replay.encode(text)})()


def _stats(mean, median, std, percentiles):
    return {"mean": mean, "std": std, "percentiles": {f"p{int(p)}": v for p, v in percentiles},
            "median": median}


async def main():
    doc = _replay.load_streams()
    outputs, requests = [], []
    tokenizer = _Tokenizer()
    for k, stream in enumerate(doc["streams"]):
        send = _replay.send_ms(k, doc)
        clock.set_ms(send)
        request = erf.RequestFuncInput(prompt="Say something", api_url="http://replay/v1/chat/completions",
                                       prompt_len=20, output_len=doc["maxTokens"], model="m")
        out = await erf.async_request_openai_chat_completions(
            request, _Session(_replay.reads(stream, with_usage=True), send, stream["bodyEndMs"]))
        outputs.append(out)
        # The request's own TPOT and output length, as calculate_metrics computes them.
        single, lens = serve.calculate_metrics([], [out], 1.0, tokenizer, PERCENTILES, {})
        requests.append({
            "stream": stream["name"],
            "ok": bool(out.success),
            "values": None if not out.success else {
                "ttftMs": out.ttft * 1000,
                "e2eMs": out.latency * 1000,
                "tpotMs": single.mean_tpot_ms if lens[0] > 1 else None,
                "outputTokens": lens[0],
                "gapsMs": [x * 1000 for x in out.itl],
            },
        })
    last = len(doc["streams"]) - 1
    duration_ms = _replay.send_ms(last, doc) + doc["streams"][last]["bodyEndMs"]
    m, lens = serve.calculate_metrics([], outputs, duration_ms / 1000, tokenizer, PERCENTILES, {})
    _replay.emit({
        "peer": "vllm",
        "source": {"repo": "vllm-project/vllm",
                   "files": {"vllm/benchmarks/lib/endpoint_request_func.py": "02cfb534df5674737558730b10f23d1b7aef9b7c",
                             "vllm/benchmarks/serve.py": "009e6d4a1cd6ba3fb2a9fc00f4ec06f5297232a1"},
                   "ran": "async_request_openai_chat_completions, calculate_metrics"},
        "requests": requests,
        "run": {
            "durationMs": duration_ms,
            "completed": m.completed,
            "failed": m.failed,
            "totalOutputTokens": m.total_output,
            "outputTokensPerS": m.output_throughput,
            "metrics": {
                "ttftMs": _stats(m.mean_ttft_ms, m.median_ttft_ms, m.std_ttft_ms, m.percentiles_ttft_ms),
                "tpotMs": _stats(m.mean_tpot_ms, m.median_tpot_ms, m.std_tpot_ms, m.percentiles_tpot_ms),
                "itlMs": _stats(m.mean_itl_ms, m.median_itl_ms, m.std_itl_ms, m.percentiles_itl_ms),
                "e2eMs": _stats(m.mean_e2el_ms, m.median_e2el_ms, m.std_e2el_ms, m.percentiles_e2el_ms),
            },
        },
    })


asyncio.run(main())
