import { useEffect, useState } from "preact/hooks";

/**
 * Hash routing: every page has a URL (#/clusters/web/services/api) that can be shared or
 * bookmarked, and the server needs no route per page: `/` always serves the same document.
 */
export function currentPath(): string[] {
  return location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decoded);
}

/** A part as written when it is not valid percent-encoding (a hand-typed #/clusters/100%): never a throw that blanks the console. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const changed = () => setPath(currentPath());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return path;
}

/** A link to a page, each part encoded (ARNs contain slashes and colons). */
export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join("/")}`;
