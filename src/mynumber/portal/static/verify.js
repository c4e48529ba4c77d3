/*
 * verify.js -- the portal's in-page ledger verifier (マイナポータル: 情報提供等記録の検証).
 *
 * A resident's browser checks, without trusting the portal's word, that one entry of the hub's
 * transparency ledger is in the tree a checkpoint signed by the hub's ledger key describes:
 *
 *   1. the checkpoint is a C2SP signed note; one of its signature lines is by the verifier key
 *      (same key name and key ID) and that Ed25519 signature over the note text verifies;
 *   2. the note text is a C2SP checkpoint: origin, tree size and base64 root hash lines;
 *   3. the checkpoint's tree size is the size the proof is for;
 *   4. the entry's leaf hash, SHA-256(0x00 || entry), walked up the inclusion proof as RFC 9162
 *      section 2.1.3.2 says, with inner nodes SHA-256(0x01 || left || right), gives its root.
 *
 * The formats, and the strictness, are those of mynumber.ledger.notes, .checkpoints and .merkle.
 *
 * API, on window.mynumberLedger:
 *
 *   verifyInclusion({entry, index, size, proof, checkpoint, verifierKey}) -> Promise
 *     entry: base64 of the entry's bytes; index, size: integers (numbers, bigints or decimal
 *     strings); proof: array of base64 SHA-256 hashes; checkpoint: the signed note text;
 *     verifierKey: "<name>+<8 hex key ID>+<base64(0x01 || Ed25519 public key)>".
 *     Resolves to {ok: true, root: "<hex>", size} or {ok: false, reason}; never rejects. Reasons:
 *       "wrong-key"            the verifier key is malformed, or no signature line is by it
 *       "bad-signature"        the verifier key's signature line does not verify
 *       "malformed-checkpoint" the note or its checkpoint text is not well formed
 *       "size-mismatch"        the checkpoint is for another tree size than the proof
 *       "malformed-proof"      the entry, index, size or proof is not well formed, or the proof
 *                              has the wrong number of hashes for its index and size
 *       "root-mismatch"        the proof leads to another root than the checkpoint's
 *       "unsupported"          this browser lacks WebCrypto SHA-256 or Ed25519
 *
 *   wireButtons(root = document) -- done on DOMContentLoaded: every button[data-verify-index]
 *     fetches its data-proof-url (JSON {entry, index, size, proof, checkpoint, verifier_key}),
 *     verifies it, and writes into the element named by data-result: textContent data-ok-text
 *     and the first 16 hex digits of the root, or data-fail-text; data-state "ok" or "failed";
 *     data-reason the reason code on failure.
 *
 * A plain script (no module, no eval, no inline code): it runs under script-src 'self'.
 */
(() => {
  "use strict";

  const EM_DASH = "\u2014";
  const HASH_SIZE = 32;
  const KEY_ID_SIZE = 4;
  const PUBLIC_KEY_SIZE = 32;
  const SIGNATURE_SIZE = 64;
  const ED25519_TYPE = 0x01;
  const MAX_SIGNATURES = 32;
  const MAX_TREE_SIZE = (1n << 64n) - 1n;
  const EMPTY_ROOT_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
  const KEY_ID_HEX = /^[0-9a-f]{8}$/;
  // A key name holds no whitespace (Python's str.isspace, which adds U+0085), plus or control.
  const BAD_NAME_CHAR = /[\s\u0085+\u0000-\u001f]/u;
  const ROOT_PREFIX_DIGITS = 16;

  /** An expected verification failure, carrying its reason code. */
  class Failure extends Error {
    constructor(reason) {
      super(reason);
      this.reason = reason;
    }
  }

  const fail = (reason) => {
    throw new Failure(reason);
  };

  const utf8 = (text) => new TextEncoder().encode(text);

  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  const equalBytes = (a, b) => a.length === b.length && a.every((value, i) => value === b[i]);

  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  };

  /** Return the bytes of canonical standard base64, or null for anything else. */
  function decodeBase64(text) {
    if (typeof text !== "string") return null;
    let binary;
    try {
      binary = atob(text);
    } catch {
      return null;
    }
    if (btoa(binary) !== text) return null; // no whitespace, no missing padding, no stray bits
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  }

  function subtle() {
    const api = globalThis.crypto && globalThis.crypto.subtle;
    return api || fail("unsupported");
  }

  async function sha256(...parts) {
    let digest;
    try {
      digest = await subtle().digest("SHA-256", concat(...parts));
    } catch (error) {
      throw error instanceof Failure ? error : new Failure("unsupported");
    }
    return new Uint8Array(digest);
  }

  const leafHash = (entry) => sha256(Uint8Array.of(0x00), entry);
  const nodeHash = (left, right) => sha256(Uint8Array.of(0x01), left, right);

  const isKeyName = (name) => name.length > 0 && !BAD_NAME_CHAR.test(name);

  /** Return the 4-byte key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
  async function keyId(name, publicKey) {
    const digest = await sha256(utf8(name), Uint8Array.of(0x0a, ED25519_TYPE), publicKey);
    return digest.slice(0, KEY_ID_SIZE);
  }

  /** Parse "<name>+<hex key ID>+<base64(0x01 || key)>" and check its key ID against its key. */
  async function parseVerifierKey(vkey) {
    if (typeof vkey !== "string") fail("wrong-key");
    const first = vkey.indexOf("+");
    const second = first < 0 ? -1 : vkey.indexOf("+", first + 1);
    if (second < 0) fail("wrong-key");
    const name = vkey.slice(0, first);
    const hexId = vkey.slice(first + 1, second);
    const data = decodeBase64(vkey.slice(second + 1));
    if (!isKeyName(name) || !KEY_ID_HEX.test(hexId)) fail("wrong-key");
    if (data === null || data.length !== 1 + PUBLIC_KEY_SIZE || data[0] !== ED25519_TYPE) {
      fail("wrong-key");
    }
    const publicKey = data.slice(1);
    const id = await keyId(name, publicKey);
    if (toHex(id) !== hexId) fail("wrong-key");
    return { name, keyId: id, publicKey };
  }

  /** Parse one signature line, "— <key name> <base64(key ID || signature)>". */
  function parseSignatureLine(line) {
    const prefix = EM_DASH + " ";
    if (!line.startsWith(prefix)) fail("malformed-checkpoint");
    const rest = line.slice(prefix.length);
    const space = rest.indexOf(" ");
    if (space < 0) fail("malformed-checkpoint");
    const name = rest.slice(0, space);
    const encoded = rest.slice(space + 1);
    const data = decodeBase64(encoded);
    if (!isKeyName(name) || encoded.includes(" ") || data === null) fail("malformed-checkpoint");
    if (data.length <= KEY_ID_SIZE) fail("malformed-checkpoint");
    return { name, keyId: data.slice(0, KEY_ID_SIZE), signature: data.slice(KEY_ID_SIZE) };
  }

  /** Split a signed note into its text (up to its last blank line) and signature lines. */
  function parseNote(note) {
    if (typeof note !== "string" || !note.endsWith("\n")) fail("malformed-checkpoint");
    if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) fail("malformed-checkpoint");
    const separator = note.lastIndexOf("\n\n");
    if (separator < 0) fail("malformed-checkpoint");
    const lines = note.slice(separator + 2, -1).split("\n");
    if (lines.length > MAX_SIGNATURES || (lines.length === 1 && lines[0] === "")) {
      fail("malformed-checkpoint");
    }
    const signatures = lines.map(parseSignatureLine);
    const seen = new Set();
    for (const { name, keyId: id } of signatures) {
      const who = name + " " + toHex(id);
      if (seen.has(who)) fail("malformed-checkpoint"); // two signatures by one key
      seen.add(who);
    }
    return { text: note.slice(0, separator + 1), signatures };
  }

  /** Check the verifier key's signature on the note; return the signed text. */
  async function openNote(note, vkey) {
    const key = await parseVerifierKey(vkey);
    const { text, signatures } = parseNote(note);
    const line = signatures.find((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
    if (line === undefined) fail("wrong-key");
    if (line.signature.length !== SIGNATURE_SIZE) fail("bad-signature");
    const api = subtle();
    let publicKey;
    try {
      publicKey = await api.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
    } catch (error) {
      fail(error && error.name === "NotSupportedError" ? "unsupported" : "wrong-key");
    }
    let valid;
    try {
      valid = await api.verify({ name: "Ed25519" }, publicKey, line.signature, utf8(text));
    } catch (error) {
      fail(error && error.name === "NotSupportedError" ? "unsupported" : "bad-signature");
    }
    if (!valid) fail("bad-signature");
    return text;
  }

  /** Parse checkpoint text: exactly the origin, tree size and root hash lines. */
  function parseCheckpoint(text) {
    const lines = text.split("\n");
    if (lines.pop() !== "" || lines.length !== 3) fail("malformed-checkpoint");
    const [origin, sizeLine, rootLine] = lines;
    if (origin === "" || !DECIMAL.test(sizeLine) || sizeLine.length > 20) {
      fail("malformed-checkpoint");
    }
    const size = BigInt(sizeLine);
    const root = decodeBase64(rootLine);
    if (size > MAX_TREE_SIZE || root === null || root.length !== HASH_SIZE) {
      fail("malformed-checkpoint");
    }
    if (size === 0n && toHex(root) !== EMPTY_ROOT_HEX) fail("malformed-checkpoint");
    return { origin, size, root };
  }

  /** Return a non-negative integer given as a safe integer, a bigint or decimal text. */
  function toCount(value) {
    if (typeof value === "bigint" && value >= 0n && value <= MAX_TREE_SIZE) return value;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
      return BigInt(value);
    }
    if (typeof value === "string" && DECIMAL.test(value) && value.length <= 20) {
      const count = BigInt(value);
      if (count <= MAX_TREE_SIZE) return count;
    }
    return fail("malformed-proof");
  }

  /** Walk RFC 9162 2.1.3.2 steps 1-5 (bigints: tree sizes exceed 32-bit bitwise operators). */
  async function rootFromInclusionProof(hash, index, size, path) {
    if (index >= size) fail("malformed-proof");
    let fn = index;
    let sn = size - 1n;
    let result = hash;
    for (const sibling of path) {
      if (sn === 0n) fail("malformed-proof"); // longer than the path from leaf to root
      if ((fn & 1n) === 1n || fn === sn) {
        result = await nodeHash(sibling, result);
        while (fn !== 0n && (fn & 1n) === 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        result = await nodeHash(result, sibling);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) fail("malformed-proof"); // shorter than the path from leaf to root
    return result;
  }

  async function verify(options) {
    const { entry, index, size, proof, checkpoint, verifierKey } = options || {};
    const head = parseCheckpoint(await openNote(checkpoint, verifierKey));
    const treeSize = toCount(size);
    if (treeSize !== head.size) fail("size-mismatch");
    const leafIndex = toCount(index);
    const entryBytes = decodeBase64(entry);
    if (entryBytes === null || !Array.isArray(proof) || proof.length > 64) fail("malformed-proof");
    const path = proof.map((value) => {
      const hash = decodeBase64(value);
      return hash !== null && hash.length === HASH_SIZE ? hash : fail("malformed-proof");
    });
    const computed = await rootFromInclusionProof(
      await leafHash(entryBytes),
      leafIndex,
      treeSize,
      path,
    );
    if (!equalBytes(computed, head.root)) fail("root-mismatch");
    const count = Number(head.size);
    return { ok: true, root: toHex(head.root), size: Number.isSafeInteger(count) ? count : size };
  }

  /** Verify one entry's inclusion proof against a signed checkpoint; never rejects. */
  async function verifyInclusion(options) {
    try {
      return await verify(options);
    } catch (error) {
      return { ok: false, reason: error instanceof Failure ? error.reason : "malformed-proof" };
    }
  }

  /** Fetch a button's proof, verify it, and report into its result element. */
  async function runButton(button) {
    const data = button.dataset;
    const output = document.getElementById(data.result || "");
    if (button.disabled) return;
    button.disabled = true;
    if (output) {
      output.removeAttribute("data-state");
      output.removeAttribute("data-reason");
      output.setAttribute("aria-busy", "true");
    }
    let outcome;
    try {
      const response = await fetch(data.proofUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (!response.ok) {
        outcome = { ok: false, reason: "fetch-failed" };
      } else {
        const body = await response.json();
        outcome =
          body && String(body.index) === data.verifyIndex
            ? await verifyInclusion({
                entry: body.entry,
                index: body.index,
                size: body.size,
                proof: body.proof,
                checkpoint: body.checkpoint,
                verifierKey: body.verifier_key,
              })
            : { ok: false, reason: "malformed-proof" }; // a proof for another entry
      }
    } catch {
      outcome = { ok: false, reason: "fetch-failed" };
    } finally {
      button.disabled = false;
    }
    if (!output) return;
    if (outcome.ok) {
      const prefix = outcome.root.slice(0, ROOT_PREFIX_DIGITS);
      output.textContent = data.okText ? `${data.okText} ${prefix}` : prefix;
      output.dataset.state = "ok";
    } else {
      output.textContent = data.failText || "";
      output.dataset.state = "failed";
      output.dataset.reason = outcome.reason;
    }
    output.removeAttribute("aria-busy");
  }

  const wired = new WeakSet();

  /** Give every button[data-verify-index] under root its click handler (once). */
  function wireButtons(root) {
    const scope = root || document;
    for (const button of scope.querySelectorAll("button[data-verify-index]")) {
      if (wired.has(button)) continue;
      wired.add(button);
      button.addEventListener("click", (event) => runButton(event.currentTarget || button));
    }
  }

  const api = Object.freeze({ verifyInclusion, wireButtons });
  const host = typeof window !== "undefined" ? window : globalThis;
  host.mynumberLedger = api;

  if (typeof document !== "undefined" && document && document.addEventListener) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", () => wireButtons(document));
    } else {
      wireButtons(document);
    }
  }
})();
