import type { Db } from "../store/database.js";
import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";

/** A queue's ARN from its QueueUrl (path /ACCOUNT/NAME, whatever the host), in the caller's region. */
function queue({ ctx, str }: AuthorizedCall): string[] {
  const url = str("QueueUrl") ?? "";
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch { /* not a URL: the path as given */ }
  const [, account = ctx.account, name = ""] = path.split("/");
  return [`arn:aws:sqs:${ctx.region}:${account}:${name}`];
}

const MOVE_SOURCE_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];

/** The source queue's ARN inside a message move task's handle (base64 JSON), "" when it has none. */
function handleSource(handle: string): string {
  try {
    const sourceArn = (JSON.parse(Buffer.from(handle, "base64").toString()) as { sourceArn?: unknown }).sourceArn;
    return typeof sourceArn === "string" ? sourceArn : "";
  } catch {
    return "";
  }
}

/**
 * Amazon SQS (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html):
 * every queue action is authorized on arn:aws:sqs:REGION:ACCOUNT:NAME; CreateQueue and
 * GetQueueUrl on the queue they name; ListQueues on "*".
 */
export const sqsAuthorization: ServiceAuthorization = {
  arnService: "sqs",
  // The batch calls are authorized as their single-message actions, and SQS names actions in lower case.
  actions: { SendMessageBatch: "SendMessage", DeleteMessageBatch: "DeleteMessage", ChangeMessageVisibilityBatch: "ChangeMessageVisibility" },
  refusal: { status: 403, shownAction: (action) => action.toLowerCase() },
  resources: {
    CreateQueue: ({ arn, str }) => [arn(str("QueueName") ?? "")],
    GetQueueUrl: ({ ctx, str }) => [`arn:aws:sqs:${ctx.region}:${str("QueueOwnerAWSAccountId") ?? ctx.account}:${str("QueueName") ?? ""}`],
    // Message move tasks act on their source (dead-letter) queue; a task handle carries its source's ARN.
    StartMessageMoveTask: ({ str }) => [str("SourceArn") ?? ""],
    ListMessageMoveTasks: ({ str }) => [str("SourceArn") ?? ""],
    CancelMessageMoveTask: ({ str }) => [handleSource(str("TaskHandle") ?? "")],
    ...Object.fromEntries([
      "AddPermission", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "DeleteMessage", "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes",
      "ListDeadLetterSourceQueues", "ListQueueTags", "PurgeQueue", "ReceiveMessage", "RemovePermission", "SendMessage", "SendMessageBatch",
      "SetQueueAttributes", "TagQueue", "UntagQueue",
    ].map((op) => [op, queue])),
  },
  // What moving a dead-letter queue's messages also needs, as the SQS API permissions reference
  // lists it: reading and deleting them from the source, and sending them to the destination.
  dependentActions: {
    StartMessageMoveTask: ({ str }) => {
      const source = str("SourceArn") ?? "";
      const destination = str("DestinationArn");
      return [
        ...MOVE_SOURCE_ACTIONS.map((action) => ({ action, resource: source })),
        ...(destination !== undefined ? [{ action: "sqs:SendMessage", resource: destination }] : []),
      ];
    },
    ListMessageMoveTasks: ({ str }) => [{ action: "sqs:GetQueueAttributes", resource: str("SourceArn") ?? "" }],
    CancelMessageMoveTask: ({ str }) => MOVE_SOURCE_ACTIONS.map((action) => ({ action, resource: handleSource(str("TaskHandle") ?? "") })),
  },
  /** A queue's tags live in its document. */
  tagsOf: (db, arn) => queueDoc(db, arn)?.tags ?? {},
  /** The queue's Policy attribute (SetQueueAttributes), decided with the caller's identity policies. */
  resourcePolicy: (db, arn) => queueDoc(db, arn)?.attributes?.["Policy"] || undefined,
};

type QueueDoc = { tags?: Record<string, string>; attributes?: Record<string, string> };

/**
 * The last queue document read, parsed: a call asks a queue's tags and then its policy, and each
 * parse of the whole document (its attributes, the policy text among them) showed per request.
 * Keyed by the stored text itself, so a changed queue is parsed afresh.
 */
let last: { text: string; doc: QueueDoc } | undefined;

function queueDoc(db: Db, arn: string): QueueDoc | undefined {
  const [, , , region, account, name] = arn.split(":");
  const row = db.prepare("SELECT doc FROM sqs_queues WHERE account = ? AND region = ? AND name = ?").get(account, region, name) as { doc: string } | undefined;
  if (!row) return undefined;
  if (last?.text !== row.doc) last = { text: row.doc, doc: JSON.parse(row.doc) as QueueDoc };
  return last.doc;
}
