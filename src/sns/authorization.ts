import type { Db } from "../store/database.js";
import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";

const topic = ({ str }: AuthorizedCall) => [str("TopicArn") ?? str("ResourceArn") ?? "*"];
/** A subscription's actions are authorized on its topic: the subscription ARN less its last `:id`. */
const topicOfSubscription = ({ str }: AuthorizedCall) => {
  const sub = str("SubscriptionArn") ?? "";
  return [sub.includes(":") ? sub.slice(0, sub.lastIndexOf(":")) : sub];
};

/**
 * Amazon SNS (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html):
 * topic actions on the topic's ARN; CreateTopic on the ARN the topic will have; Publish to a
 * TargetArn (an endpoint) on that ARN; ListTopics and ListSubscriptions on "*".
 */
export const snsAuthorization: ServiceAuthorization = {
  arnService: "sns",
  actions: { PublishBatch: "Publish" },
  // SNS refuses with AuthorizationError (403) and names its actions SNS:Publish.
  refusal: { code: "AuthorizationErrorException", shownAction: (action) => `SNS:${action.slice("sns:".length)}` },
  resources: {
    CreateTopic: ({ arn, str }) => [arn(str("Name") ?? "")],
    Publish: ({ str }) => [str("TopicArn") ?? str("TargetArn") ?? "*"],
    ...Object.fromEntries(["DeleteTopic", "GetTopicAttributes", "SetTopicAttributes", "Subscribe", "ConfirmSubscription", "ListSubscriptionsByTopic",
      "PublishBatch", "AddPermission", "RemovePermission", "GetDataProtectionPolicy", "PutDataProtectionPolicy"].map((op) => [op, topic])),
    ...Object.fromEntries(["Unsubscribe", "GetSubscriptionAttributes", "SetSubscriptionAttributes"].map((op) => [op, topicOfSubscription])),
  },
  /** A topic's tags live in its document. */
  tagsOf: (db, arn) => Object.fromEntries((topicDoc(db, arn)?.tags ?? []).map((t) => [t.Key, t.Value])),
  /**
   * The topic's Policy attribute (SetTopicAttributes, CreateTopic), decided with the caller's
   * identity policies. A topic never given one has none: the default policy GetTopicAttributes
   * shows allows only on AWS:SourceOwner, which no API call carries.
   */
  resourcePolicy: (db, arn) => topicDoc(db, arn)?.attributes?.["Policy"] || undefined,
};

function topicDoc(db: Db, arn: string): { tags?: { Key: string; Value: string }[]; attributes?: Record<string, string> } | undefined {
  const row = db.prepare("SELECT doc FROM sns_topics WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as { tags?: { Key: string; Value: string }[]; attributes?: Record<string, string> }) : undefined;
}
