#!/usr/bin/env python3
"""Writes the committed seed corpus fuzz/corpus/<target>/ from tests/data (the Codex wire
transcripts and rollout fixtures) plus hand-written edge cases. Deterministic: re-running it
rewrites the same files. Run from anywhere: python3 fuzz/make_seed_corpus.py"""
import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OUT = ROOT / "fuzz" / "corpus"
MAX_SEED = 8192  # bytes; the fuzzers' -max_len is at least this (scripts/run-fuzzers.sh)


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) <= MAX_SEED * 2, (target, name, len(data))
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def transcript(version):
    for line in (DATA / f"codex-{version}" / "wire-transcript.jsonl").read_text().splitlines():
        yield json.loads(line)


def client_lines(version):
    """The client's side of each session, as the lines it sent."""
    sessions = {}
    for rec in transcript(version):
        if rec["from"] != "client":
            continue
        line = rec["raw"] if "raw" in rec else compact(rec["msg"])
        sessions.setdefault(rec["session"], []).append(line)
    return sessions


INIT = '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"clientInfo":{"name":"fuzz","version":"1"}}}'


def framer_router():
    t = "framer_router"
    for version in ("0.169.0", "0.60.1"):
        for session, lines in client_lines(version).items():
            # Sessions cut into pieces of at most ~4 KB, each starting with initialize.
            piece, n = [], 0
            for line in lines:
                if piece and sum(len(l) + 1 for l in piece) + len(line) > 4096:
                    write(t, f"{version}-{session}-{n:02d}.jsonl", "\n".join(piece) + "\n")
                    piece, n = [INIT], n + 1
                piece.append(line)
            if piece:
                write(t, f"{version}-{session}-{n:02d}.jsonl", "\n".join(piece) + "\n")
    edge = {
        "batch.jsonl": INIT + '\n[{"jsonrpc":"2.0","id":1,"method":"thread/list","params":{}},'
        '{"jsonrpc":"2.0","method":"initialized"},{"id":2,"method":"model/list"},'
        '{"id":3,"method":"thread/read","params":{"threadId":"x","includeTurns":true}}]\n[]\n',
        "before_init.jsonl": '{"id":1,"method":"thread/list","params":{}}\n' + INIT + "\n" + INIT + "\n",
        "crlf_blank.jsonl": "\r\n  \t\r\n" + INIT + '\r\n\r\n{"id":1,"method":"thread/loaded/list"}\r\n',
        "no_newline.jsonl": INIT + '\n{"id":1,"method":"account/read","params":{"refreshToken":false}}',
        "bom.jsonl": "\ufeff" + INIT + "\n",
        "invalid_utf8.jsonl": INIT.encode() + b'\n{"id":1,"method":"thread/start","params":{"cwd":"\xff\xfe/\xc3"}}\n',
        "surrogates.jsonl": INIT + '\n{"id":"a","method":"thread/name/set","params":{"threadId":"t","name":"\\ud800 \\udc00 \\u0000"}}\n',
        "deep.jsonl": INIT + "\n" + '{"id":1,"method":"thread/list","params":' + "[" * 1001 + "]" * 1001 + "}\n",
        "huge_numbers.jsonl": INIT + '\n{"id":18446744073709551616,"method":"thread/list","params":{"limit":1e400}}\n'
        '{"id":-9223372036854775809,"method":"thread/turns/list","params":{"threadId":"t","limit":-1}}\n',
        "duplicate_keys.jsonl": INIT + '\n{"id":1,"id":2,"method":"thread/read","method":"thread/list","params":{}}\n',
        "overlong.jsonl": INIT + '\n{"id":1,"method":"thread/start","params":{"cwd":"' + "a" * 3000 + '"}}\n{"id":2,"method":"thread/list"}\n',
        "responses.jsonl": INIT + '\n{"id":0,"result":{"decision":"accept"}}\n{"id":"s1","error":{"code":-1,"message":"no"}}\n'
        '{"id":5,"result":{"decision":"decline"},"error":{}}\n{"result":1}\n',
        "bad_envelopes.jsonl": INIT + '\n{"jsonrpc":"1.0","id":1,"method":"thread/list"}\n{"id":{},"method":"thread/list"}\n'
        '{"id":1,"method":"thread/list","params":5}\n{"id":1.5,"method":"x"}\nnull\n"str"\n',
        "turn_start.jsonl": INIT + '\n{"id":1,"method":"turn/start","params":{"threadId":"t","input":[{"type":"text","text":"hi"},'
        '{"type":"image","url":"http://x"},{"type":"localImage","path":"/p"},{"type":"video"}]}}\n'
        '{"id":2,"method":"turn/interrupt","params":{"threadId":"t","turnId":"u"}}\n'
        '{"id":3,"method":"feedback/upload","params":{"classification":"bug","includeLogs":true}}\n'
        '{"id":4,"method":"account/login/start","params":{"type":"apiKey","apiKey":"k"}}\n'
        '{"id":5,"method":"account/logout"}\n{"id":6,"method":"account/rateLimits/read"}\n',
    }
    for name, data in edge.items():
        write(t, name, data)


def protocol_decode():
    t = "protocol_decode"
    seen = set()

    def add(prefix, value):
        text = compact(value)
        h = hashlib.sha1(text.encode()).hexdigest()[:10]
        if h in seen or len(text) > 4096:
            return
        seen.add(h)
        write(t, f"{prefix.replace('/', '_')}-{h}.json", text)

    per_method = {}
    for version in ("0.169.0", "0.60.1"):
        for rec in transcript(version):
            m = rec.get("msg")
            if not isinstance(m, dict):
                continue
            method = m.get("method")
            key = method or ("response" if rec["from"] == "client" else "result")
            value = m.get("params") if method else m.get("result")
            if value is None:
                continue
            if per_method.get(key, 0) >= 3:  # a few of each is enough
                continue
            per_method[key] = per_method.get(key, 0) + 1
            add(key, value)
    for name, text in {
        "empty_object": "{}", "null": "null", "array": "[{}]", "number": "1e400",
        "unknown_type": '{"type":"nope","threadId":"t"}',
        "wrong_types": '{"threadId":1,"limit":"2","cursor":[],"archived":"yes"}',
        "big_ints": '{"limit":18446744073709551615,"createdAt":-9223372036854775808}',
        "nested_input": '{"threadId":"t","input":[{"type":"text","text":"x","text_elements":[{"byteRange":{"start":0,"end":1}}]}]}',
        "approval": '{"decision":{"acceptWithExecpolicyAmendment":{"execpolicy_amendment":["ls"]}}}',
        "sandbox": '{"sandboxPolicy":{"type":"workspaceWrite","writableRoots":["/"],"networkAccess":true}}',
    }.items():
        write(t, f"edge-{name}.json", text)


def rollout_import():
    t = "rollout_import"
    files = sorted(DATA.glob("codex-*/codex_home/**/*.jsonl"))
    for f in files:
        version = f.parts[len(DATA.parts)]
        lines = f.read_bytes().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        # Windows of consecutive lines of at most ~6 KB; each after the first starts with
        # the file's session_meta line, as a real file would.
        head, piece, n = lines[0], [], 0
        for line in lines:
            if piece and sum(len(l) + 1 for l in piece) + len(line) > 6144:
                write(t, f"{version}-{f.stem[-12:]}-{n:02d}.jsonl", b"\n".join(piece) + b"\n")
                piece, n = [head], n + 1
            piece.append(line)
        write(t, f"{version}-{f.stem[-12:]}-{n:02d}.jsonl", b"\n".join(piece) + b"\n")
    meta = '{"timestamp":"2026-11-24T06:18:15.848Z","type":"session_meta","payload":{"id":"01a20c34-7b63-72b1-8231-7983307d0e7f","cwd":"/p"}}'
    msg = '{"timestamp":"2026-11-24T06:18:16.000Z","type":"event_msg","payload":{"type":"user_message","message":"hi"}}'
    edge = {
        "torn_last_line.jsonl": meta + "\n" + msg[:40],
        "crlf_blank.jsonl": meta + "\r\n\r\n   \n" + msg + "\r\n",
        "no_session_meta.jsonl": msg + "\n" + msg + "\n",
        "invalid_lines.jsonl": meta + "\nnot json\n[]\n{}\n{\"type\":\"x\"}\n{\"type\":\"x\",\"payload\":1}\n"
        '{"type":"x","payload":1,"timestamp":"yesterday"}\n',
        "timestamps.jsonl": meta + '\n{"timestamp":"2026-11-24T06:18:16Z","type":"event_msg","payload":{}}\n'
        '{"timestamp":"2026-11-24T06:18:16.123456+08:00","type":"event_msg","payload":{}}\n'
        '{"timestamp":"1969-12-31T23:59:59.999Z","type":"event_msg","payload":{}}\n',
        "extras.jsonl": meta + '\n{"ordinal":3,"timestamp":"2026-11-24T06:18:16.000Z","x":[1,{"y":null}],"type":"event_msg","payload":{"type":"t","turn_id":"u"}}\n',
        "duplicate_keys.jsonl": meta + '\n{"timestamp":"2026-11-24T06:18:16.000Z","type":"a","type":"b","payload":{"type":"p"},"payload":[1]}\n',
        "invalid_utf8.jsonl": meta.encode() + b'\n{"timestamp":"2026-11-24T06:18:16.000Z","type":"event_msg","payload":{"message":"\xff\xc3("}}\n',
        "numbers.jsonl": meta + '\n{"timestamp":"2026-11-24T06:18:16.000Z","type":"event_msg","payload":{"n":1e400,"m":123456789012345678901234567890,"k":-0.0}}\n',
        "empty.jsonl": "",
    }
    for name, data in edge.items():
        write(t, name, data)


if __name__ == "__main__":
    for target in ("framer_router", "protocol_decode", "rollout_import"):
        shutil.rmtree(OUT / target, ignore_errors=True)
    framer_router()
    protocol_decode()
    rollout_import()
    for d in sorted(OUT.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} files, {sum(f.stat().st_size for f in files)} bytes")
