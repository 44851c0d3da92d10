import { strict as assert } from 'node:assert';
import { HeaderTexts } from '../../../src/core/http/header-texts';

describe('HeaderTexts', () => {
  it('gives what buffer.toString() gives, for repeated, colliding, non-ASCII, empty and long buffers', () => {
    const texts = new HeaderTexts();
    const samples = [
      'Content-Type',
      'application/json',
      'Content-Type',
      // Same length, first and last byte as the one before: the slot is shared, the bytes differ.
      'Contenx-Type',
      'Content-Type',
      'Sat, 05 Dec 2026 10:25:00 GMT',
      'Sat, 05 Dec 2026 10:25:01 GMT',
      'caf\u00e9',
      'caf\u00e9',
      '',
      'x'.repeat(65),
      'x'.repeat(65),
    ];
    for (const sample of samples) {
      const raw = Buffer.from(sample);
      assert.equal(texts.text(raw), raw.toString(), JSON.stringify(sample));
    }
  });

  it('decodes invalid UTF-8 as the decoder does, and never keeps it for bytes it does not match', () => {
    const texts = new HeaderTexts();
    // One byte 0xe9 (latin1 é) decodes to U+FFFD: same length as the buffer, but not ASCII.
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    assert.equal(texts.text(latin1), 'caf\ufffd');
    assert.equal(texts.text(latin1), 'caf\ufffd');
    // Same slot (length 4, first 0x63, last 0xe9), other bytes.
    const other = Buffer.from([0x63, 0x62, 0x66, 0xe9]);
    assert.equal(texts.text(other), other.toString());
    const ascii = Buffer.from('cafe');
    assert.equal(texts.text(ascii), 'cafe');
    assert.equal(texts.text(Buffer.from('cafe')), 'cafe');
  });

  it('reads a subarray of a larger buffer by its own bytes only', () => {
    const texts = new HeaderTexts();
    const block = Buffer.from('HTTP/1.1 200 OK\r\nServer: one\r\nServer: two\r\n');
    const first = block.subarray(25, 28);
    const second = block.subarray(38, 41);
    assert.equal(texts.text(first), 'one');
    assert.equal(texts.text(second), 'two');
    assert.equal(texts.text(first), 'one');
  });

  it('turns what is not a buffer into a string', () => {
    const texts = new HeaderTexts();
    assert.equal(texts.text('already text'), 'already text');
    assert.equal(texts.text(42), '42');
  });

  it('stays bounded and right when every buffer is new (a table that starts over)', () => {
    const texts = new HeaderTexts();
    for (let i = 0; i < 5_000; i += 1) {
      // Thousands of slots: first and last letters and the length all vary.
      const sample = `${String.fromCharCode(97 + (i % 26))}${i}${String.fromCharCode(65 + ((i * 7) % 26))}`;
      assert.equal(texts.text(Buffer.from(sample)), sample);
      assert.equal(texts.text(Buffer.from(sample)), sample);
    }
    assert.ok((texts as unknown as { kept: Map<number, string> }).kept.size <= 256);
  });

  it('lowercases names as toLowerCase does, repeated, non-ASCII and long ones too, within its bound', () => {
    const texts = new HeaderTexts();
    for (const name of ['Content-Type', 'Content-Type', 'X-\u00c9T\u0130', 'K'.repeat(70), 'K'.repeat(70), 'date']) {
      assert.equal(texts.lowerCase(name), name.toLowerCase(), name);
    }
    for (let i = 0; i < 1_000; i += 1) assert.equal(texts.lowerCase(`X-Name-${i}`), `x-name-${i}`);
    // The names are kept in a TextMemo (src/core/text-memo.ts): its map is what must stay bounded.
    assert.ok((texts as unknown as { lowered: { values: Map<string, string> } }).lowered.values.size <= 256);
  });
});
