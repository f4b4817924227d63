/**
 * Policy text as ECR returns it: ECR re-serialises a policy it stores with Jackson's default
 * pretty printer, so GetRepositoryPolicy answers `{\n  "Version" : "2012-10-17", ...` whatever
 * spacing was sent (see the API reference's GetRepositoryPolicy example). Objects put each
 * member on its own line, indented two spaces a level, with " : " between name and value;
 * arrays stay on one line ("[ a, b ]"), their objects opening and closing inline ("[ {" and
 * "} ]"); empty ones are "{ }" and "[ ]".
 */
export function formatPolicyText(value: unknown): string {
  return write(value, 0);
}

function write(v: unknown, depth: number): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return "[ ]";
    return `[ ${v.map((x) => write(x, depth)).join(", ")} ]`;
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v);
    if (entries.length === 0) return "{ }";
    const inner = "  ".repeat(depth + 1);
    const members = entries.map(([k, x]) => `${inner}${JSON.stringify(k)} : ${write(x, depth + 1)}`);
    return `{\n${members.join(",\n")}\n${"  ".repeat(depth)}}`;
  }
  return JSON.stringify(v) ?? "null";
}
