/**
 * Hands out awsvpc task addresses ("ENIs") from a loopback block such as 127.10.0.0/16. An
 * address is never held by two live tasks. Allocation walks the block round-robin from where it
 * last stopped, so a just-released address is the last to be reused (stale connections to a
 * stopped task do not reach its successor at once).
 */
export class IpExhaustedError extends Error {}

export class IpAllocator {
  private readonly first: number;
  private readonly last: number;
  private next: number;
  private readonly byTask = new Map<string, number>();
  private readonly taken = new Set<number>();

  constructor(cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) throw new Error(`not an IPv4 CIDR block: ${cidr}`);
    const bits = Number(m[5]);
    if (bits < 8 || bits > 30) throw new Error(`CIDR block must be /8 to /30: ${cidr}`);
    const base = toInt(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    const size = 2 ** (32 - bits);
    const network = base - (base % size);
    // As in a VPC subnet, the network address, the one after it (the "router") and the
    // broadcast address are never given to a task.
    this.first = network + 2;
    this.last = network + size - 2;
    this.next = this.first;
  }

  /** The task's address, allocating one if it has none. */
  allocate(taskArn: string): string {
    const held = this.byTask.get(taskArn);
    if (held !== undefined) return toIp(held);
    const count = this.last - this.first + 1;
    for (let i = 0; i < count; i++) {
      const candidate = this.first + ((this.next - this.first + i) % count);
      if (!this.taken.has(candidate)) {
        this.take(taskArn, candidate);
        this.next = candidate === this.last ? this.first : candidate + 1;
        return toIp(candidate);
      }
    }
    throw new IpExhaustedError(`no free address left in the awsvpc block (${count} addresses, all held by running tasks)`);
  }

  /** Records an address a task already holds (an adopted task after a restart). False if taken by another. */
  claim(taskArn: string, ip: string): boolean {
    const n = toInt(ip);
    if (n < this.first || n > this.last) return false;
    const owner = [...this.byTask].find(([, v]) => v === n)?.[0];
    if (owner !== undefined) return owner === taskArn;
    this.release(taskArn);
    this.take(taskArn, n);
    return true;
  }

  release(taskArn: string): void {
    const n = this.byTask.get(taskArn);
    if (n === undefined) return;
    this.byTask.delete(taskArn);
    this.taken.delete(n);
  }

  releaseAll(): void {
    this.byTask.clear();
    this.taken.clear();
  }

  addressOf(taskArn: string): string | undefined {
    const n = this.byTask.get(taskArn);
    return n === undefined ? undefined : toIp(n);
  }

  private take(taskArn: string, n: number) {
    this.byTask.set(taskArn, n);
    this.taken.add(n);
  }
}

function toInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}
