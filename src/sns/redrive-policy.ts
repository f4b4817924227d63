const QUEUE_ARN = /^arn:aws[\w-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$/;

/** Why a subscription's RedrivePolicy is refused, or undefined. */
export function redrivePolicyProblem(json: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return "RedrivePolicy: failed to parse JSON.";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return "RedrivePolicy: must be a JSON object.";
  const arn = (parsed as Record<string, unknown>)["deadLetterTargetArn"];
  if (typeof arn !== "string" || !QUEUE_ARN.test(arn)) return "RedrivePolicy: deadLetterTargetArn is an invalid arn";
  return undefined;
}

/** The dead-letter queue a (valid) RedrivePolicy names. */
export function deadLetterTargetOf(json: string | undefined): string | undefined {
  if (!json || redrivePolicyProblem(json)) return undefined;
  return (JSON.parse(json) as { deadLetterTargetArn: string }).deadLetterTargetArn;
}
