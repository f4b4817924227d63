/**
 * The instances that can take the next task: a dense array to scan and a position table for
 * O(1) removal. Removal swaps the last member into the gap, which changes scan order — still a
 * function of the inputs alone, so replay is unaffected.
 */
export class CandidateSet {
  readonly members: Int32Array;
  private readonly position: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.members = new Int32Array(capacity);
    this.position = new Int32Array(capacity).fill(-1);
  }

  static of(members: Int32Array, capacity: number): CandidateSet {
    const set = new CandidateSet(capacity);
    set.members.set(members);
    for (let m = 0; m < members.length; m++) set.position[members[m]!] = m;
    set.size = members.length;
    return set;
  }

  add(i: number) {
    if (this.position[i]! >= 0) return;
    this.position[i] = this.size;
    this.members[this.size++] = i;
  }

  remove(i: number) {
    const at = this.position[i]!;
    if (at < 0) return;
    const last = this.members[--this.size]!;
    this.members[at] = last;
    this.position[last] = at;
    this.position[i] = -1;
  }

  has(i: number): boolean {
    return this.position[i]! >= 0;
  }
}
