import type { DecisionMaker, DecisionObserver, DecisionRecord } from '@ccx-hook/server';

/** Which decisions to show; every field narrows. */
export interface DecisionFilter {
  hook?: string;
  clusterId?: string;
  approved?: boolean;
  decidedBy?: DecisionMaker;
}

/**
 * The last `capacity` pre- hook decisions of this process, in memory, so that "why was this
 * rejected?" has an answer without reading logs. The records hold no `auth_id`.
 */
export class DecisionLog implements DecisionObserver {
  private readonly records: DecisionRecord[] = [];
  private next = 0;

  /** `capacity` must be at least 1. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  decided(record: DecisionRecord): void {
    // A ring: the oldest record is overwritten once the log is full.
    this.records[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Up to `limit` decisions matching `filter`, newest first. */
  list(filter: DecisionFilter, limit: number): DecisionRecord[] {
    const found: DecisionRecord[] = [];
    const size = this.records.length;
    for (let step = 1; step <= size && found.length < limit; step++) {
      const record = this.records[(this.next - step + size) % size]!;
      if (filter.hook !== undefined && record.hook !== filter.hook) continue;
      if (filter.clusterId !== undefined && record.clusterId !== filter.clusterId) continue;
      if (filter.approved !== undefined && record.approved !== filter.approved) continue;
      if (filter.decidedBy !== undefined && record.decidedBy !== filter.decidedBy) continue;
      found.push(record);
    }
    return found;
  }
}
