import { loadModel } from "../aws/model.js";
import type { AwsService } from "../aws/service.js";
import type { AlarmActionTarget } from "../cloudwatch/alarms/alarm-actions.js";
import type { AasDeps } from "./deps.js";
import { targetHandlers } from "./targets.js";
import { policyHandlers } from "./policies.js";
import { scheduledActionHandlers } from "./scheduled-actions.js";
import { activityHandlers } from "./activities.js";
import { tagHandlers } from "./tags.js";
import { createScheduledScaling } from "./scheduled-scaling.js";
import { policyExecution } from "./policy-execution.js";

export interface ApplicationAutoScaling {
  /** The API (awsJson1_1, target prefix AnyScaleFrontendService). */
  service: AwsService;
  /** What CloudWatch alarms invoke for arn:aws:autoscaling:...:scalingPolicy:... actions. */
  alarmActions: AlarmActionTarget;
  /** Runs the scheduled actions that are due now (the timer does so too). */
  runScheduledActions(): void;
  /** Starts and stops the scheduled actions' timer. */
  start(): void;
  stop(): void;
}

/** Application Auto Scaling for ECS services: scalable targets, policies, scheduled actions. */
export function createApplicationAutoScaling(deps: AasDeps): ApplicationAutoScaling {
  const scheduled = createScheduledScaling(deps);
  const handlers = {
    ...targetHandlers(deps),
    ...policyHandlers(deps),
    ...scheduledActionHandlers({ ...deps, scheduled: scheduled.changed }),
    ...activityHandlers(deps),
    ...tagHandlers(deps),
  };
  return {
    // Every input error of this service is a ValidationException, as AWS answers them.
    service: { model: loadModel("application-autoscaling"), handlers, validation: { invalid: "ValidationException" } },
    alarmActions: policyExecution(deps),
    runScheduledActions: scheduled.runDue,
    start: scheduled.start,
    stop: scheduled.stop,
  };
}
