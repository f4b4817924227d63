import type { ServiceError } from "../../core/errors.js";
import type { Shape } from "../model.js";
import { clip as clipTo } from "../service.js";

const clip = (s: string) => clipTo(s, 64);

/**
 * A scalar sent as text (an awsQuery parameter; a restJson1 label, query parameter or header),
 * read as the model's type says. Constraints are checked afterwards by validateInput.
 * Timestamps may be ISO 8601 (query strings, query protocol), an HTTP date (headers) or epoch
 * seconds (rounded to milliseconds, which a Date would otherwise truncate: 1087280371.018 * 1000
 * is 1087280371017.9999): every protocol's default form is accepted wherever it arrives.
 */
export function textValue(shape: Shape, text: string, path: string, bad: (message: string) => ServiceError): unknown {
  switch (shape.type) {
    case "integer":
    case "long":
      if (!/^[+-]?\d{1,20}$/.test(text)) throw bad(`Value ${JSON.stringify(clip(text))} for ${path} is not an integer.`);
      return Number(text);
    case "double":
    case "float": {
      const n = text.trim() === "" ? NaN : Number(text);
      if (!Number.isFinite(n)) throw bad(`Value ${JSON.stringify(clip(text))} for ${path} is not a number.`);
      return n;
    }
    case "boolean":
      if (text !== "true" && text !== "false") throw bad(`Value ${JSON.stringify(clip(text))} for ${path} is not a boolean (true or false).`);
      return text === "true";
    case "timestamp": {
      const d = /^\d+(\.\d+)?$/.test(text) ? new Date(Math.round(Number(text) * 1000)) : /^(\d{4}-|[A-Z][a-z]{2}, )/.test(text) ? new Date(text) : undefined;
      if (!d || Number.isNaN(d.getTime())) throw bad(`Value ${JSON.stringify(clip(text))} for ${path} is not a timestamp.`);
      return d;
    }
    case "blob":
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw bad(`Value for ${path} is not base64.`);
      return Buffer.from(text, "base64");
    default:
      return text;
  }
}
