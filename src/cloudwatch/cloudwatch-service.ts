import { loadModel } from "../aws/model.js";
import type { AwsService } from "../aws/service.js";
import type { CloudWatchDeps } from "./deps.js";
import { metricHandlers } from "./metrics/metric-handlers.js";
import { anomalyDetectorHandlers } from "./anomaly/anomaly-detector-handlers.js";
import type { Alarms } from "./alarms/alarms.js";

/**
 * CloudWatch (smithy-rpc-v2-cbor, awsJson1_0 and awsQuery, all from one model). Input that breaks
 * the model's constraints is InvalidParameterValue and a missing member MissingParameter, as
 * CloudWatch names them.
 */
export function createCloudWatchService(deps: CloudWatchDeps & { alarms?: Alarms }): AwsService {
  return {
    model: loadModel("cloudwatch"),
    handlers: {
      ...metricHandlers(deps),
      ...anomalyDetectorHandlers({ db: deps.db, queries: deps.metrics, now: () => deps.metrics.clock.now() }),
      ...deps.alarms?.handlers,
    },
    validation: { invalid: "InvalidParameterValueException", missing: "MissingRequiredParameterException" },
  };
}
