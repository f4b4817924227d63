/**
 * awslogs-datetime-format as the Docker awslogs driver reads it: a strftime-like format turned
 * into a regular expression (Go syntax, run with RE2 as Docker does) that marks the first line of
 * each event. Only these directives are replaced; every other character of the format stays as it
 * is, regular-expression syntax included, exactly as in Docker's daemon/logger/awslogs.
 */
const STRFTIME_TO_REGEX: Record<string, string> = {
  "%a": "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)",
  "%A": "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
  "%w": "[0-6]",
  "%d": "(?:0[1-9]|[1,2][0-9]|3[0,1])",
  "%b": "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
  "%B": "(?:January|February|March|April|May|June|July|August|September|October|November|December)",
  "%m": "(?:0[1-9]|1[0-2])",
  "%Y": "\\d{4}",
  "%y": "\\d{2}",
  "%H": "(?:[0,1][0-9]|2[0-3])",
  "%I": "(?:0[0-9]|1[0-2])",
  "%p": "[A,P]M",
  "%M": "[0-5][0-9]",
  "%S": "[0-5][0-9]",
  "%f": "\\d{6}",
  "%z": "[+-]\\d{4}",
  "%Z": "[A-Z]{1,4}T",
  "%j": "(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])",
  "%L": "\\.\\d{3}",
};

/** The regular expression (without the leading `^` the driver adds) a datetime format stands for. */
export function datetimeFormatToRegex(format: string): string {
  return format.replace(/%[a-zA-Z]/g, (d) => STRFTIME_TO_REGEX[d] ?? d);
}
