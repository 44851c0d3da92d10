/**
 * Values worked out from a text (a JSON path, an assertion's label, a URL, a template, a header name), kept by the
 * text: a flow reads the same few texts on every call of every run, and working them out again
 * showed in the runner's profile (issue #14 point 2). Bounded, since texts come from flow files:
 * a text longer than `maxText` is not kept, and a full memo is emptied whole (a flow rarely holds
 * that many texts, and emptying needs no bookkeeping on a hit).
 */
export class TextMemo<V> {
  private readonly values = new Map<string, V>();

  constructor(
    private readonly size: number,
    private readonly maxText: number,
  ) {}

  /** The value kept for `text`, or undefined. */
  get(text: string): V | undefined {
    return this.values.get(text);
  }

  /** Keeps `value` for `text` when the text is short enough; returns the value. */
  set(text: string, value: V): V {
    if (text.length <= this.maxText) {
      if (this.values.size >= this.size) this.values.clear();
      this.values.set(text, value);
    }
    return value;
  }
}
