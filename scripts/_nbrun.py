#!/usr/bin/python3
"""Execute one notebook with a Jupyter kernel without losing outputs.

Driven by scripts/run_notebooks.ts; not meant to be run by hand (but it can be):

    /usr/bin/python3 scripts/_nbrun.py kernelspec deno
    /usr/bin/python3 scripts/_nbrun.py run IN.ipynb OUT.ipynb [--kernel deno] [--cwd DIR]
        [--timeout-s 600] [--settle-ms 200] [--startup-timeout-s 120]

Why not `jupyter nbconvert --execute` / nbclient: the Deno kernel sometimes reports a cell
`idle` before that cell's outputs reach the client, and nbclient moves on and drops them. Here
every iopub message is routed to its cell by `parent_header.msg_id`, whenever it arrives; after a
cell's `idle` (and its `execute_reply`) iopub is read until it has been quiet for `--settle-ms`,
and after the last cell it is drained once more. Outputs that came after their cell's `idle` are
counted ("late"), as are those that came only while a later cell ran or in the final drain
("very late"): they are kept, not dropped.

`run` writes the executed notebook to OUT and prints one JSON line on stdout: {"ok", "cells",
"executed", "outputs", "lateOutputs", "veryLateOutputs", "maxLateMs", "error", "perCell"}
(`maxLateMs`: the longest an output came after its cell's idle).
Exit status: 0 when the notebook ran (cell errors are reported in the JSON, not by the status),
3 when a Python module is missing, 1 on any other failure (one line on stderr).
"""

import json
import os
import queue
import sys
import tempfile
import time

OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")


def _fail(message, code=1):
    sys.stderr.write(message.rstrip() + "\n")
    sys.exit(code)


try:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from jupyter_client.manager import KernelManager
except ImportError as exc:  # pragma: no cover - depends on the machine
    _fail(f"missing Python module: {exc.name}", 3)


def kernelspec(name):
    """Print the kernelspec `name` as JSON (`null` when it is not installed)."""
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        print("null")
        return
    print(json.dumps({"argv": spec.argv, "resourceDir": spec.resource_dir}))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


class _Cell:
    """Execution state of one code cell."""

    def __init__(self, index, cell):
        self.index = index
        self.cell = cell
        self.msg_id = None
        self.started = None
        self.idle_at = None
        self.reply = None
        self.done = False
        self.outputs = []
        self.late = 0
        self.very_late = 0
        self.max_late_ms = 0.0
        self.clear_pending = False
        self.seconds = None


def _to_output(msg):
    """The nbformat output of an iopub message, or None."""
    kind = msg["header"]["msg_type"]
    content = msg["content"]
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=content["name"], text=content["text"])
    if kind in ("display_data", "update_display_data"):
        out = nbformat.v4.new_output(
            "display_data", data=content.get("data", {}), metadata=content.get("metadata", {})
        )
        return out
    if kind == "execute_result":
        return nbformat.v4.new_output(
            "execute_result",
            data=content.get("data", {}),
            metadata=content.get("metadata", {}),
            execution_count=content.get("execution_count"),
        )
    if kind == "error":
        return nbformat.v4.new_output(
            "error",
            ename=content.get("ename", ""),
            evalue=content.get("evalue", ""),
            traceback=content.get("traceback", []),
        )
    return None


class _Runner:
    def __init__(self, kc, settle_s, timeout_s):
        self.kc = kc
        self.settle_s = settle_s
        self.timeout_s = timeout_s
        self.by_msg = {}
        self.current = None
        self.last_iopub = time.monotonic()
        self.display_ids = {}

    def _route(self, msg):
        self.last_iopub = time.monotonic()
        parent = msg.get("parent_header", {}).get("msg_id")
        cell = self.by_msg.get(parent)
        if cell is None:
            return
        kind = msg["header"]["msg_type"]
        content = msg["content"]
        if kind == "status":
            if content.get("execution_state") == "idle" and cell.idle_at is None:
                cell.idle_at = time.monotonic()
            return
        if kind == "execute_input":
            cell.cell["execution_count"] = content.get("execution_count")
            return
        if kind == "clear_output":
            if content.get("wait"):
                cell.clear_pending = True
            else:
                cell.outputs.clear()
            return
        if kind == "update_display_data":
            display_id = content.get("transient", {}).get("display_id")
            for out in self.display_ids.get(display_id, []):
                out["data"] = content.get("data", {})
                out["metadata"] = content.get("metadata", {})
            return
        out = _to_output(msg)
        if out is None:
            return
        if cell.clear_pending:
            cell.outputs.clear()
            cell.clear_pending = False
        if cell.done:
            cell.very_late += 1
        if cell.idle_at is not None:
            if not cell.done:
                cell.late += 1
            delay_ms = (time.monotonic() - cell.idle_at) * 1000.0
            cell.max_late_ms = max(cell.max_late_ms, delay_ms)
        display_id = content.get("transient", {}).get("display_id")
        if display_id:
            self.display_ids.setdefault(display_id, []).append(out)
        if (
            out["output_type"] == "stream"
            and cell.outputs
            and cell.outputs[-1]["output_type"] == "stream"
            and cell.outputs[-1]["name"] == out["name"]
        ):
            cell.outputs[-1]["text"] += out["text"]
        else:
            cell.outputs.append(out)

    def _pump(self, wait_s):
        """Route every message available within wait_s (iopub and shell)."""
        got = False
        try:
            msg = self.kc.get_iopub_msg(timeout=wait_s)
            self._route(msg)
            got = True
            while True:
                self._route(self.kc.get_iopub_msg(timeout=0))
        except queue.Empty:
            pass
        while True:
            try:
                reply = self.kc.get_shell_msg(timeout=0)
            except queue.Empty:
                break
            cell = self.by_msg.get(reply.get("parent_header", {}).get("msg_id"))
            if cell is not None:
                cell.reply = reply["content"]
        return got

    def run_cell(self, cell):
        cell.started = time.monotonic()
        cell.msg_id = self.kc.execute(
            _source(cell.cell), store_history=True, allow_stdin=False, stop_on_error=True
        )
        self.by_msg[cell.msg_id] = cell
        deadline = cell.started + self.timeout_s
        while True:
            self._pump(0.05)
            now = time.monotonic()
            if cell.idle_at is not None and cell.reply is not None:
                if now - max(self.last_iopub, cell.idle_at) >= self.settle_s:
                    break
            if now > deadline:
                return f"cell {cell.index} timed out after {self.timeout_s:g} s"
        cell.done = True
        cell.seconds = round(cell.idle_at - cell.started, 3)
        return None

    def drain(self, quiet_s):
        while True:
            self._pump(0.05)
            if time.monotonic() - self.last_iopub >= quiet_s:
                return


def run(args):
    import argparse

    p = argparse.ArgumentParser(prog="_nbrun.py run")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--kernel", default="deno")
    p.add_argument("--cwd", default=None)
    p.add_argument("--timeout-s", type=float, default=600.0)
    p.add_argument("--settle-ms", type=float, default=200.0)
    p.add_argument("--startup-timeout-s", type=float, default=120.0)
    a = p.parse_args(args)

    nb = nbformat.read(a.input, as_version=4)
    cwd = a.cwd or os.path.dirname(os.path.abspath(a.input))
    log = tempfile.TemporaryFile(mode="w+")
    km = KernelManager(kernel_name=a.kernel)
    env = dict(os.environ, NO_COLOR="1")
    km.start_kernel(cwd=cwd, env=env, stdout=log, stderr=log)
    kc = km.client()
    kc.start_channels()
    report = {"ok": False, "error": None}
    cells = []
    try:
        try:
            kc.wait_for_ready(timeout=a.startup_timeout_s)
        except RuntimeError as exc:
            log.seek(0)
            tail = " | ".join(log.read().strip().splitlines()[-3:])
            raise RuntimeError(f"kernel '{a.kernel}' did not start: {exc} {tail}".strip())
        runner = _Runner(kc, a.settle_ms / 1000.0, a.timeout_s)
        runner.drain(0.2)  # startup chatter (status messages) before the first cell
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            cell.execution_count = None
            state = _Cell(index, cell)
            cells.append(state)
            if not _source(cell).strip():
                state.done = True
                continue
            timeout = runner.run_cell(state)
            if timeout:
                report["error"] = timeout
                km.interrupt_kernel()
                break
            if state.reply and state.reply.get("status") == "error":
                break
        # Anything still on its way (the last cell's stragglers) is kept.
        runner.drain(max(1.0, 2 * a.settle_ms / 1000.0))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        log.close()

    for state in cells:
        state.cell.outputs = state.outputs
        if state.reply and state.reply.get("status") == "error" and not any(
            o["output_type"] == "error" for o in state.outputs
        ):
            r = state.reply
            state.cell.outputs.append(
                nbformat.v4.new_output(
                    "error",
                    ename=r.get("ename", "Error"),
                    evalue=r.get("evalue", ""),
                    traceback=r.get("traceback", []),
                )
            )
    executed = [c for c in cells if c.msg_id is not None]
    report.update(
        ok=report["error"] is None,
        cells=len(cells),
        executed=len(executed),
        outputs=sum(len(c.outputs) for c in cells),
        lateOutputs=sum(c.late for c in cells),
        veryLateOutputs=sum(c.very_late for c in cells),
        maxLateMs=round(max([c.max_late_ms for c in cells] + [0.0]), 1),
        perCell=[
            {
                "index": c.index,
                "outputs": len(c.outputs),
                "late": c.late,
                "veryLate": c.very_late,
                "maxLateMs": round(c.max_late_ms, 1),
                "seconds": c.seconds,
            }
            for c in executed
        ],
    )
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    nbformat.write(nb, a.output)
    print(json.dumps(report))


def main(argv):
    if len(argv) >= 2 and argv[0] == "kernelspec":
        kernelspec(argv[1])
        return 0
    if len(argv) >= 1 and argv[0] == "run":
        try:
            run(argv[1:])
        except Exception as exc:  # one line for the TypeScript side
            _fail(f"{type(exc).__name__}: {exc}".splitlines()[0])
        return 0
    _fail("usage: _nbrun.py kernelspec NAME | run IN OUT [options]", 2)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
