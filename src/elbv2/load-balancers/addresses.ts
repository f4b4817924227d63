import type { Db } from "../../store/database.js";
import { invalidConfiguration } from "../errors.js";

const toInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/**
 * The lowest address of the block no load balancer holds. The block's first and last addresses
 * are skipped (network and broadcast), as a subnet's would be. config.ts checked the block's shape.
 */
export function allocateAddress(db: Db, cidr: string): string {
  const [ip, len] = cidr.split("/") as [string, string];
  const size = 2 ** (32 - Number(len));
  const base = toInt(ip) - (toInt(ip) % size);
  const taken = new Set((db.prepare("SELECT address FROM elb_load_balancers").all() as Array<{ address: string }>).map((r) => toInt(r.address)));
  for (let n = base + 1; n < base + size - 1; n++) if (!taken.has(n)) return toIp(n);
  throw invalidConfiguration(`No address is left for a load balancer in loadBalancerCidr ${cidr}`);
}
