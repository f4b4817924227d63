import type { RedirectActionConfig } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { RequestFacts } from "./request-facts.js";

/**
 * The Location of a redirect action. Components left out keep their original values; the reserved
 * keywords #{protocol}, #{host}, #{port}, #{path} (without its leading "/") and #{query} reuse the
 * request's. An empty query drops the "?". The port is always written, as ALB does
 * ("https://example.com:443/").
 */
export function redirectLocation(config: RedirectActionConfig, req: RequestFacts): string {
  const fill = (template: string) =>
    template
      .replaceAll("#{protocol}", req.protocol)
      .replaceAll("#{host}", req.host)
      .replaceAll("#{port}", String(req.port))
      .replaceAll("#{path}", req.path.replace(/^\//, ""))
      .replaceAll("#{query}", req.query);
  const protocol = fill(config.Protocol ?? "#{protocol}").toLowerCase();
  const host = fill(config.Host ?? "#{host}");
  const port = fill(config.Port ?? "#{port}");
  const path = fill(config.Path ?? "/#{path}");
  const query = fill(config.Query ?? "#{query}");
  return `${protocol}://${host}:${port}${path}${query === "" ? "" : `?${query}`}`;
}

export function redirectStatus(config: RedirectActionConfig): 301 | 302 {
  return config.StatusCode === "HTTP_301" ? 301 : 302;
}
