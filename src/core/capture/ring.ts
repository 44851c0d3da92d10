/**
 * The last N items, oldest first, and no more than a byte budget of them
 * when a weight is given. A capture runs for hours in front of a busy
 * application: what it keeps must not grow with what passed through, and a
 * thousand 10 MiB bodies would be 10 GB however few the records.
 */
export class Ring<T> {
  private readonly items: Array<T | undefined>;
  private start = 0;
  private count = 0;
  private weight = 0;

  constructor(
    readonly capacity: number,
    private readonly budget?: { bytes: number; weigh: (item: T) => number },
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`Ring capacity must be a positive integer, got ${capacity}.`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds an item; returns how many of the oldest it dropped to make room (by count or by the byte budget). */
  push(item: T): number {
    let dropped = 0;
    if (this.count === this.capacity) {
      this.dropOldest();
      dropped++;
    }
    this.items[(this.start + this.count) % this.capacity] = item;
    this.count++;
    if (this.budget) {
      this.weight += this.budget.weigh(item);
      // The newest item stays even when it alone is over the budget.
      while (this.weight > this.budget.bytes && this.count > 1) {
        this.dropOldest();
        dropped++;
      }
    }
    return dropped;
  }

  private dropOldest(): void {
    const oldest = this.items[this.start] as T;
    if (this.budget) this.weight -= this.budget.weigh(oldest);
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  /** The items, oldest first (a copy). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.weight = 0;
  }
}
