/**
 * A placement strategy as a rank key, after nomad's rank iterators: lower is better, and the
 * strategies of a request compare lexicographically (the second only breaks ties of the first).
 * `placed` lets a ranker update what it counts after a task lands on instance i.
 */
export interface Ranker {
  readonly name: string;
  key(i: number): number;
  placed(i: number): void;
}
