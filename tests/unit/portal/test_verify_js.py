"""The portal's in-page ledger verifier, ``portal/static/verify.js``, run in Node.js.

The proofs and checkpoints are made by the ledger's own code (:mod:`mynumber.ledger.merkle`,
:mod:`mynumber.ledger.checkpoints`, :mod:`mynumber.ledger.notes`) and by the RFC 9162 reference
tree of ``tests/vectors/merkle_rfc9162.json``; the script must accept every good proof and refuse
each corruption with its own reason code. One Node process runs every case: the cases go in as
JSON, the outcomes come back as JSON. A second load of the script, with a stand-in ``document`` and
``fetch``, checks the buttons. Node 20's WebCrypto has Ed25519, as Chromium's does.
"""

import base64
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import mynumber
from mynumber.ledger.checkpoints import (
    Checkpoint,
    add_cosignature,
    sign_checkpoint,
    verifier_key,
)
from mynumber.ledger.entries import canonical_json
from mynumber.ledger.merkle import (
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    root,
    verify_inclusion,
)
from mynumber.ledger.notes import sign_note

NODE = shutil.which("node")
SCRIPT = Path(mynumber.__file__).parent / "portal" / "static" / "verify.js"
VECTORS = Path(__file__).parents[2] / "vectors" / "merkle_rfc9162.json"

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node (Node.js) is not on PATH: verify.js is tested by running it in Node"
)

ORIGIN = "hub.example.jp/hub"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
WITNESS = "oversight.example.jp/witness"
VKEY = verifier_key(ORIGIN, KEY.public_key())

ENTRIES = [
    canonical_json({"記録": n, "種別": "照会", "事務": "児童手当", "日付": f"2024-04-{n + 1:02}"})
    for n in range(9)
]

# The Node side: load verify.js with no DOM, run every case, then load it again with a stand-in
# document and fetch and click the buttons.
HARNESS = r"""
"use strict";
const fs = require("node:fs");
const vm = require("node:vm");

const [scriptPath, inputPath] = process.argv.slice(2);
const source = fs.readFileSync(scriptPath, "utf8");
const input = JSON.parse(fs.readFileSync(inputPath, "utf8"));

async function run(call) {
  try {
    const pending = call();
    if (!(pending instanceof Promise)) return { notAPromise: String(pending) };
    return await pending;
  } catch (error) {
    return { threw: String(error && error.stack) };
  }
}

const camel = (name) => name.slice(5).replace(/-([a-z])/g, (_, c) => c.toUpperCase());

class FakeElement {
  constructor(id, dataset) {
    this.id = id;
    this.dataset = { ...dataset };
    this.attributes = {};
    this.listeners = {};
    this.disabled = false;
    this.textContent = "";
  }
  setAttribute(name, value) {
    if (name.startsWith("data-")) this.dataset[camel(name)] = String(value);
    else this.attributes[name] = String(value);
  }
  removeAttribute(name) {
    if (name.startsWith("data-")) delete this.dataset[camel(name)];
    else delete this.attributes[name];
  }
  addEventListener(type, listener) {
    (this.listeners[type] = this.listeners[type] || []).push(listener);
  }
}

async function buttons(scenario) {
  const elements = new Map();
  const all = scenario.buttons.map((spec) => {
    const button = new FakeElement(null, spec.dataset);
    elements.set(spec.dataset.result, new FakeElement(spec.dataset.result, {}));
    return button;
  });
  const document = new FakeElement("document", {});
  document.readyState = "loading";
  document.querySelectorAll = (selector) => {
    if (selector !== "button[data-verify-index]") throw new Error("selector " + selector);
    return all;
  };
  document.getElementById = (id) => elements.get(id) || null;
  const fetches = [];
  globalThis.document = document;
  globalThis.fetch = async (url, options) => {
    const button = all.find((b) => b.dataset.proofUrl === url);
    const output = elements.get(button.dataset.result);
    fetches.push({ url, options, disabled: button.disabled, busy: output.attributes["aria-busy"] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const answer = scenario.responses[url];
    if (answer === undefined) throw new TypeError("Failed to fetch");
    return { ok: answer.status === 200, status: answer.status, json: async () => answer.body };
  };
  vm.runInThisContext(source, { filename: scriptPath });
  const wiredBeforeLoad = all.some((b) => (b.listeners.click || []).length > 0);
  for (const listener of document.listeners.DOMContentLoaded || []) listener({});
  const report = { wiredBeforeLoad, buttons: [] };
  for (const button of all) {
    const [click] = button.listeners.click;
    const event = { currentTarget: button, type: "click" };
    // A second click while the first is working must not start another verification.
    await Promise.all([click(event), click(event)]);
    const output = elements.get(button.dataset.result);
    report.buttons.push({
      result: output.id,
      clickListeners: button.listeners.click.length,
      text: output.textContent,
      state: output.dataset.state ?? null,
      reason: output.dataset.reason ?? null,
      busyAfter: output.attributes["aria-busy"] ?? null,
      disabledAfter: button.disabled,
    });
  }
  report.fetches = fetches;
  return report;
}

async function main() {
  globalThis.window = globalThis;
  vm.runInThisContext(source, { filename: scriptPath });
  const { verifyInclusion } = window.mynumberLedger;
  const cases = {};
  for (const [name, args] of Object.entries(input.cases)) {
    cases[name] = await run(() => verifyInclusion(args));
  }
  const odd = {
    "no-argument": await run(() => verifyInclusion()),
    null: await run(() => verifyInclusion(null)),
    "a-number": await run(() => verifyInclusion(42)),
    "bigint-index-and-size": await run(() =>
      verifyInclusion({ ...input.cases["good/7/3"], index: 3n, size: 7n }),
    ),
  };
  const dom = await buttons(input.dom);
  process.stdout.write(JSON.stringify({ cases, odd, dom }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack));
  process.exit(1);
});
"""


@dataclass(frozen=True)
class Case:
    """One call of verifyInclusion and what it must answer: a root and size, or a reason."""

    arguments: dict[str, Any]
    reason: str | None = None
    root: str = ""
    size: int = 0
    expected: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        """Work out the answer the script must give."""
        answer: dict[str, Any] = {"ok": False, "reason": self.reason}
        if self.reason is None:
            answer = {"ok": True, "root": self.root, "size": self.size}
        object.__setattr__(self, "expected", answer)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _flip(data: bytes, position: int = 0) -> bytes:
    """Return ``data`` with one bit of the byte at ``position`` flipped."""
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def _signed(head: Checkpoint, key_name: str = ORIGIN, key: Ed25519PrivateKey = KEY) -> str:
    return sign_checkpoint(head, key_name, key).decode("utf-8")


def _arguments(size: int, index: int) -> dict[str, Any]:
    """Return good verifyInclusion arguments for entry ``index`` of the first ``size`` entries."""
    leaves = [leaf_hash(entry) for entry in ENTRIES[:size]]
    return {
        "entry": _b64(ENTRIES[index]),
        "index": index,
        "size": size,
        "proof": [_b64(value) for value in inclusion_proof(leaves, index)],
        "checkpoint": _signed(Checkpoint(ORIGIN, size, root(leaves))),
        "verifierKey": VKEY,
    }


def _root_hex(size: int) -> str:
    return root([leaf_hash(entry) for entry in ENTRIES[:size]]).hex()


def _good_cases() -> dict[str, Case]:
    """Every leaf of trees of 1 to 9 entries, the RFC's reference proofs, and two huge trees."""
    cases = {
        f"good/{size}/{index}": Case(_arguments(size, index), root=_root_hex(size), size=size)
        for size in range(1, 10)
        for index in range(size)
    }
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    for item in vectors["inclusion_proofs"]:
        index, size = item["index"], item["size"]
        tree_root = bytes.fromhex(vectors["roots"][size - 1])
        arguments = {
            "entry": _b64(bytes.fromhex(vectors["leaves"][index])),
            "index": index,
            "size": size,
            "proof": [_b64(bytes.fromhex(value)) for value in item["proof"]],
            "checkpoint": _signed(Checkpoint(ORIGIN, size, tree_root)),
            "verifierKey": VKEY,
        }
        cases[f"rfc9162/{size}/{index}"] = Case(arguments, root=tree_root.hex(), size=size)
    # Indices past 2**32, where JavaScript's 32-bit bitwise operators would go wrong.
    for index, size in ((2**33, 2**33 + 1), (2**32 + 5, 2**32 + 7), (6, 2**40 + 3)):
        start, end, current = index, index + 1, leaf_hash(ENTRIES[0])
        proof = []
        for low, high in inclusion_ranges(index, size):
            sibling = leaf_hash(f"subtree {low}-{high}".encode())
            proof.append(sibling)
            if high == start:
                current, start = node_hash(sibling, current), low
            else:
                current, end = node_hash(current, sibling), high
        assert (start, end) == (0, size)
        verify_inclusion(leaf_hash(ENTRIES[0]), index, size, proof, current)
        arguments = {
            "entry": _b64(ENTRIES[0]),
            "index": index,
            "size": size,
            "proof": [_b64(value) for value in proof],
            "checkpoint": _signed(Checkpoint(ORIGIN, size, current)),
            "verifierKey": VKEY,
        }
        cases[f"huge/{size}/{index}"] = Case(arguments, root=current.hex(), size=size)
    return cases


def _bad_cases() -> dict[str, Case]:
    """Corruptions of entry 3 of the tree of 7 entries, each with the reason it must fail for."""
    good = _arguments(7, 3)
    note = good["checkpoint"]
    head = Checkpoint(ORIGIN, 7, bytes.fromhex(_root_hex(7)))
    body, _, signature_line = note.rpartition("\n\n")
    name, blob = signature_line.removeprefix("\u2014 ").rstrip("\n").split(" ")
    other_root_line = _b64(bytes.fromhex(_root_hex(6)))
    root_line = body.split("\n")[2]
    proof = good["proof"]
    other_tree = [leaf_hash(entry + b" ") for entry in ENTRIES[:7]]
    reasons: dict[str, tuple[dict[str, Any], str]] = {
        "flipped-entry-byte": ({"entry": _b64(_flip(ENTRIES[3], 5))}, "root-mismatch"),
        "other-entry": ({"entry": _b64(ENTRIES[4])}, "root-mismatch"),
        "changed-proof-hash": (
            {"proof": [proof[0], _b64(_flip(base64.b64decode(proof[1]), 31)), proof[2]]},
            "root-mismatch",
        ),
        "proof-reversed": ({"proof": proof[::-1]}, "root-mismatch"),
        "proof-of-another-leaf": ({"index": 4}, "root-mismatch"),
        "checkpoint-of-another-tree": (
            {"checkpoint": _signed(Checkpoint(ORIGIN, 7, root(other_tree)))},
            "root-mismatch",
        ),
        "smaller-size": ({"size": 6}, "size-mismatch"),
        "larger-size": ({"size": 8}, "size-mismatch"),
        "other-key-same-name": ({"checkpoint": _signed(head, ORIGIN, OTHER_KEY)}, "wrong-key"),
        "right-key-other-name": (
            {"checkpoint": _signed(head, "other.example.jp/hub")},
            "wrong-key",
        ),
        "witness-signature-only": ({"checkpoint": _signed(head, WITNESS, OTHER_KEY)}, "wrong-key"),
        "verifier-key-of-another-key": (
            {"verifierKey": verifier_key(ORIGIN, OTHER_KEY.public_key())},
            "wrong-key",
        ),
        "verifier-key-with-wrong-key-id": (
            {"verifierKey": VKEY.replace(VKEY.split("+")[1], "00000000")},
            "wrong-key",
        ),
        "verifier-key-not-a-key": ({"verifierKey": "hub.example.jp/hub"}, "wrong-key"),
        "tampered-root-line": (
            {"checkpoint": note.replace(root_line, other_root_line)},
            "bad-signature",
        ),
        "tampered-size-line": (
            {"checkpoint": note.replace(f"{ORIGIN}\n7\n", f"{ORIGIN}\n8\n"), "size": 8},
            "bad-signature",
        ),
        "flipped-signature-byte": (
            {"checkpoint": f"{body}\n\n\u2014 {name} {_b64(_flip(base64.b64decode(blob), 40))}\n"},
            "bad-signature",
        ),
        "truncated-signature": (
            {"checkpoint": f"{body}\n\n\u2014 {name} {_b64(base64.b64decode(blob)[:-1])}\n"},
            "bad-signature",
        ),
        "not-a-note": ({"checkpoint": "hello"}, "malformed-checkpoint"),
        "checkpoint-not-text": ({"checkpoint": None}, "malformed-checkpoint"),
        "no-final-newline": ({"checkpoint": note.rstrip("\n")}, "malformed-checkpoint"),
        "no-signature-lines": ({"checkpoint": body + "\n\n"}, "malformed-checkpoint"),
        "carriage-returns": ({"checkpoint": note.replace("\n", "\r\n")}, "malformed-checkpoint"),
        "duplicate-signature-line": ({"checkpoint": note + signature_line}, "malformed-checkpoint"),
        "signature-line-without-dash": (
            {"checkpoint": f"{body}\n\n- {name} {blob}\n"},
            "malformed-checkpoint",
        ),
        "signed-text-not-a-checkpoint": (
            {"checkpoint": sign_note("hello\n", ORIGIN, KEY).decode()},
            "malformed-checkpoint",
        ),
        "signed-checkpoint-with-extension-line": (
            {"checkpoint": sign_note(f"{body}\nextension\n", ORIGIN, KEY).decode()},
            "malformed-checkpoint",
        ),
        "signed-size-with-leading-zero": (
            {"checkpoint": sign_note(f"{ORIGIN}\n07\n{root_line}\n", ORIGIN, KEY).decode()},
            "malformed-checkpoint",
        ),
        "signed-short-root": (
            {"checkpoint": sign_note(f"{ORIGIN}\n7\n{_b64(bytes(31))}\n", ORIGIN, KEY).decode()},
            "malformed-checkpoint",
        ),
        "proof-too-short": ({"proof": proof[:-1]}, "malformed-proof"),
        "proof-too-long": ({"proof": [*proof, proof[0]]}, "malformed-proof"),
        "proof-hash-not-base64": (
            {"proof": [proof[0], "not base64!", proof[2]]},
            "malformed-proof",
        ),
        "proof-hash-31-bytes": (
            {"proof": [proof[0], _b64(bytes(31)), proof[2]]},
            "malformed-proof",
        ),
        "proof-not-a-list": ({"proof": proof[0]}, "malformed-proof"),
        "entry-not-base64": ({"entry": "%%%"}, "malformed-proof"),
        "entry-base64-unpadded": ({"entry": _b64(ENTRIES[3]).rstrip("=")}, "malformed-proof"),
        "index-equal-to-size": ({"index": 7}, "malformed-proof"),
        "negative-index": ({"index": -1}, "malformed-proof"),
        "fractional-index": ({"index": 2.5}, "malformed-proof"),
        "size-not-a-number": ({"size": "seven"}, "malformed-proof"),
    }
    cases = {
        f"bad/{label}": Case({**good, **changes}, reason)
        for label, (changes, reason) in reasons.items()
    }
    cosigned = add_cosignature(note.encode(), WITNESS, OTHER_KEY).decode()
    cases["good/witness-cosigned"] = Case(
        {**good, "checkpoint": cosigned}, root=_root_hex(7), size=7
    )
    cases["good/size-as-decimal-text"] = Case({**good, "size": "7"}, root=_root_hex(7), size=7)
    return cases


CASES = _good_cases() | _bad_cases()

BUTTON_TEXTS = {"okText": "検証できました", "failText": "検証できませんでした"}


def _served(arguments: dict[str, Any]) -> dict[str, Any]:
    """Return verifyInclusion arguments in the shape the portal serves them."""
    served = {key: value for key, value in arguments.items() if key != "verifierKey"}
    return served | {"verifier_key": arguments["verifierKey"]}


def _dom_scenario() -> dict[str, Any]:
    """Five buttons: a good proof, a tampered one, one for another entry, a 404, a lost fetch."""
    good = CASES["good/7/3"].arguments
    tampered = CASES["bad/changed-proof-hash"].arguments
    responses = {
        "/proof/good": {"status": 200, "body": _served(good)},
        "/proof/tampered": {"status": 200, "body": _served(tampered)},
        "/proof/other-entry": {"status": 200, "body": _served(CASES["good/7/4"].arguments)},
        "/proof/missing": {"status": 404, "body": {}},
    }
    names = ["good", "tampered", "other-entry", "missing", "unreachable"]
    buttons = [
        {"dataset": {"verifyIndex": "3", "proofUrl": f"/proof/{name}", "result": f"r-{name}"}}
        for name in names
    ]
    for button in buttons:
        button["dataset"] |= BUTTON_TEXTS
    return {"responses": responses, "buttons": buttons}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run every case in one Node process and return what the script answered."""
    assert NODE is not None
    folder = tmp_path_factory.mktemp("verify_js")
    harness = folder / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    data = folder / "input.json"
    cases = {name: case.arguments for name, case in CASES.items()}
    data.write_text(json.dumps({"cases": cases, "dom": _dom_scenario()}), encoding="utf-8")
    done = subprocess.run(  # noqa: S603 -- the node on PATH, our own harness and script
        [NODE, str(harness), str(SCRIPT), str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_cases_cover_each_reason() -> None:
    """Every reason code of the brief is produced by at least one case."""
    reasons = {case.reason for case in CASES.values()}
    assert reasons >= {
        None,
        "bad-signature",
        "wrong-key",
        "malformed-checkpoint",
        "size-mismatch",
        "root-mismatch",
        "malformed-proof",
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_verify_inclusion(outcomes: dict[str, Any], name: str) -> None:
    """Each good proof verifies to its tree's root and size; each corruption fails as it should."""
    assert outcomes["cases"][name] == CASES[name].expected


@pytest.mark.parametrize("name", ["no-argument", "null", "a-number"])
def test_no_arguments_resolve_to_a_failure(outcomes: dict[str, Any], name: str) -> None:
    """Calls without the arguments object resolve to a failure: no exception, no rejection."""
    outcome = outcomes["odd"][name]
    assert outcome["ok"] is False
    assert isinstance(outcome["reason"], str)


def test_bigint_index_and_size(outcomes: dict[str, Any]) -> None:
    """Index and size may be given as bigints."""
    assert outcomes["odd"]["bigint-index-and-size"] == CASES["good/7/3"].expected


def test_buttons_wait_for_the_page(outcomes: dict[str, Any]) -> None:
    """The buttons are wired on DOMContentLoaded, each with one click handler."""
    dom = outcomes["dom"]
    assert dom["wiredBeforeLoad"] is False
    assert [button["clickListeners"] for button in dom["buttons"]] == [1] * 5


def test_buttons_report_into_their_live_regions(outcomes: dict[str, Any]) -> None:
    """The result element gets the page's text, the root's first 16 hex digits, and a state."""
    by_result = {button["result"]: button for button in outcomes["dom"]["buttons"]}
    prefix = _root_hex(7)[:16]
    assert by_result["r-good"] == {
        "result": "r-good",
        "clickListeners": 1,
        "text": f"{BUTTON_TEXTS['okText']} {prefix}",
        "state": "ok",
        "reason": None,
        "busyAfter": None,
        "disabledAfter": False,
    }
    failures = {
        "r-tampered": "root-mismatch",
        "r-other-entry": "malformed-proof",
        "r-missing": "fetch-failed",
        "r-unreachable": "fetch-failed",
    }
    for result, reason in failures.items():
        button = by_result[result]
        assert button["text"] == BUTTON_TEXTS["failText"], result
        assert (button["state"], button["reason"]) == ("failed", reason), result
        assert button["disabledAfter"] is False, result
        assert button["busyAfter"] is None, result


def test_buttons_fetch_once_same_origin_while_disabled(outcomes: dict[str, Any]) -> None:
    """Each click fetches its proof once, same-origin with credentials, the button disabled."""
    fetches = outcomes["dom"]["fetches"]
    assert [fetch["url"] for fetch in fetches] == [
        "/proof/good",
        "/proof/tampered",
        "/proof/other-entry",
        "/proof/missing",
        "/proof/unreachable",
    ]
    for fetch in fetches:
        assert fetch["disabled"] is True
        assert fetch["busy"] == "true"
        assert fetch["options"]["credentials"] == "same-origin"
