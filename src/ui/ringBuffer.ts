/** The newest `capacity` items, oldest first; keeps the log lines tests read back. */
export class RingBuffer<T> {
  private readonly items: T[] = [];
  private pushed = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer (got ${capacity})`);
  }

  push(item: T): void {
    this.pushed++;
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  toArray(): T[] {
    return [...this.items];
  }

  /** How many items were ever pushed (a mark for `since`, which stays valid once the buffer is full). */
  get total(): number {
    return this.pushed;
  }

  /** The items pushed after the mark `total` (those still held). */
  since(total: number): T[] {
    const count = Math.min(Math.max(this.pushed - total, 0), this.items.length);
    return count === 0 ? [] : this.items.slice(this.items.length - count);
  }

  get size(): number {
    return this.items.length;
  }
}
