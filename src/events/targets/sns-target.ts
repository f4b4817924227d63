import type { SnsInternal } from "../../sns/sns-service.js";
import type { TargetDispatcher } from "../target-dispatch.js";

const TOPIC_ARN = /^arn:aws[\w-]*:sns:([a-z0-9-]+):(\d{12}):.+$/;

/** An SNS topic as a target: the input is published as the message, as Publish would. */
export function snsTarget(sns: SnsInternal): TargetDispatcher {
  return {
    handles: (arn) => TOPIC_ARN.test(arn),
    async deliver({ target, input }) {
      const [, region, account] = TOPIC_ARN.exec(target.Arn!)!;
      await sns.publishInternal({ account: account!, region: region! }, target.Arn!, input);
    },
  };
}
