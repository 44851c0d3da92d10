/**
 * Raw response header names and values as UTF-8 text, without a decoder call for the ones seen
 * before. Each buffer.toString() is a call into C++ of about 700 instructions (argument checks,
 * the backing store, a new string), and a response's ~10 raw names and values took ~40 of them a
 * run of bench/runner-overhead.ts, a third of what the HTTP layer adds to raw undici (callgrind;
 * issue #14 point 2, seventh pass). Names and most values (content type, connection, keep-alive,
 * server, length) repeat from response to response, so the text last decoded for a buffer of the
 * same length, first and last byte is compared byte for byte in JS and taken when it matches.
 *
 * Only ASCII texts are kept: an ASCII text whose character codes equal the buffer's bytes is exactly
 * what the decoder would return (a byte from 0x80 up decodes to a multi-byte character or U+FFFD,
 * never to one character of its own value). The table is one client's, bounded, and holds what that
 * client's exchanges record anyway.
 */
import { TextMemo } from '../text-memo';

/** Longer buffers (a cookie, a policy) rarely repeat and go to the decoder. */
const MAX_KEPT_LENGTH = 64;
/** Kept texts before the table starts over: bounded memory whatever the servers send. */
const MAX_KEPT = 256;

export class HeaderTexts {
  private kept = new Map<number, string>();
  private readonly lowered = new TextMemo<string>(MAX_KEPT, MAX_KEPT_LENGTH);

  /**
   * `name.toLowerCase()`. A server writes the same names response after response (`Date`,
   * `Content-Length`, `Keep-Alive` from Node), which text() hands over as the same strings: a Map
   * finds one by its cached hash, where toLowerCase ran the Intl path for each (~4 a response).
   */
  lowerCase(name: string): string {
    return this.lowered.get(name) ?? this.lowered.set(name, name.toLowerCase());
  }

  /** `raw` as buffer.toString() decodes it (UTF-8), or String(raw) when it is not a buffer. */
  text(raw: unknown): string {
    if (!Buffer.isBuffer(raw)) return String(raw);
    const length = raw.length;
    // buffer.toString() with no argument goes straight to the decoder; String(buffer) first looks for
    // Symbol.toPrimitive and calls valueOf, about twice the time (issue #14 point 1).
    if (length === 0 || length > MAX_KEPT_LENGTH) return raw.toString();
    const slot = length * 65536 + raw[0]! * 256 + raw[length - 1]!;
    const known = this.kept.get(slot);
    if (known !== undefined && sameBytes(raw, known)) return known;
    const decoded = raw.toString();
    if (decoded.length === length && isAscii(decoded)) {
      if (this.kept.size >= MAX_KEPT && known === undefined) this.kept = new Map();
      this.kept.set(slot, decoded);
    }
    return decoded;
  }
}

/** Whether `text` (as long as `raw`) has, character for character, the codes of `raw`'s bytes. */
function sameBytes(raw: Buffer, text: string): boolean {
  for (let i = 0; i < raw.length; i += 1) if (raw[i] !== text.charCodeAt(i)) return false;
  return true;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
