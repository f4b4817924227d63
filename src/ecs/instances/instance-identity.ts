import { invalidParameter } from "../errors.js";

/**
 * The fields of an EC2 instance identity document that registration reads. On EC2 the agent
 * sends the document from the instance metadata service; Berth takes it as given (there is no
 * signature to check against), and a registrant that sends none gets Berth's defaults.
 */
export interface IdentityDocument {
  instanceId?: string;
  availabilityZone?: string;
  instanceType?: string;
  imageId?: string;
  architecture?: "x86_64" | "arm64";
  /**
   * The instance's private address, any IPv4 address (an agent on EC2 sends its VPC's). Recorded
   * and shown; a loopback one is also where the instance's bridge ports are published.
   */
  privateIp?: string;
}

const fields: Array<[keyof IdentityDocument, RegExp, string]> = [
  ["instanceId", /^i-[0-9a-f]{8,17}$/, "an EC2 instance id such as i-0123456789abcdef0"],
  ["availabilityZone", /^[a-z]{2}(-[a-z]+)+-\d{1,2}[a-z]$/, "an availability zone such as us-east-1a"],
  ["instanceType", /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an instance type such as t3.large"],
  ["imageId", /^ami-[0-9a-f]{8,17}$/, "an AMI id such as ami-0123456789abcdef0"],
  ["architecture", /^(x86_64|arm64)$/, "x86_64 or arm64"],
  ["privateIp", /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/, "an IPv4 address"],
];

/** Parses and checks the document; `region` is the request's, which the document must agree with. */
export function parseIdentityDocument(text: string | undefined, region: string): IdentityDocument {
  if (text === undefined || text.trim() === "") return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidParameter("instanceIdentityDocument must be a JSON instance identity document.");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalidParameter("instanceIdentityDocument must be a JSON instance identity document.");
  const d = doc as Record<string, unknown>;
  const out: IdentityDocument = {};
  for (const [name, pattern, what] of fields) {
    const v = d[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string" || !pattern.test(v)) throw invalidParameter(`instanceIdentityDocument: ${name} must be ${what}.`);
    (out as Record<string, string>)[name] = v;
  }
  if (d.region !== undefined && d.region !== region) throw invalidParameter(`instanceIdentityDocument: the instance is in region ${String(d.region)}, not ${region}.`);
  if (out.availabilityZone && !out.availabilityZone.startsWith(region)) {
    throw invalidParameter(`instanceIdentityDocument: availability zone ${out.availabilityZone} is not in region ${region}.`);
  }
  return out;
}
