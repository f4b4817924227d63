import type {
  DeleteTaskDefinitionsRequest, DeregisterTaskDefinitionRequest, DescribeTaskDefinitionRequest, Failure,
  ListTaskDefinitionFamiliesRequest, ListTaskDefinitionsRequest, RegisterTaskDefinitionRequest, TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import { taskDefinitionArn } from "../../core/arn.js";
import type { EcsDeps } from "../deps.js";
import { clientException, invalidParameter } from "../errors.js";
import { paginate } from "../pagination.js";
import { untilWrite } from "../../store/until-write.js";
import { dropAllTags, getTags, putTags, validateTags } from "../tags.js";
import {
  findTaskDefinition, listFamilies, listTaskDefinitionArns, nextRevision, parseTaskDefinitionRef,
  resolveTaskDefinition, saveTaskDefinition,
} from "./task-definition-store.js";
import { normalizeRegistration } from "./task-definition-validation.js";

/** DeleteTaskDefinitions takes at most this many revisions a call. */
const MAX_DELETE = 10;

const notFound = () => clientException("The specified task definition does not exist.");

export function taskDefinitionHandlers({ db, clock }: EcsDeps): Record<string, Handler> {
  // Deployments, scaling and every `aws ecs` workflow read definitions over and over; the answer
  // is the same until the next write (see untilWrite). A definition not found throws, and is not kept.
  const describeUnchanged = untilWrite(
    db,
    (ref: string, ctx: RequestContext, withTags: boolean) => JSON.stringify([ctx.account, ctx.region, ref, withTags]),
    (ref: string, ctx: RequestContext, withTags: boolean) => {
      const taskDefinition = resolveTaskDefinition(db, ctx, ref);
      if (!taskDefinition) throw clientException("Unable to describe task definition.");
      const tags = withTags ? getTags(db, taskDefinition.taskDefinitionArn!) : undefined;
      return { taskDefinition, tags };
    },
  );
  return {
    RegisterTaskDefinition: (input: RegisterTaskDefinitionRequest, ctx: RequestContext) => {
      const shape = normalizeRegistration(input);
      validateTags(input.tags);
      return db.transaction(() => {
        const family = shape.family!;
        const revision = nextRevision(db, ctx, family);
        const arn = taskDefinitionArn(ctx, family, revision);
        const taskDefinition: TaskDefinition = {
          taskDefinitionArn: arn,
          ...shape,
          revision,
          status: "ACTIVE",
          registeredAt: clock.now(),
          // Who registered it, as ECS records it: the IAM user's ARN, a role session's assumed-role ARN, else the root's.
          registeredBy: ctx.principal?.arn ?? `arn:aws:iam::${ctx.account}:root`,
        };
        saveTaskDefinition(db, ctx, taskDefinition);
        dropAllTags(db, arn);
        putTags(db, arn, input.tags);
        return { taskDefinition, tags: input.tags?.length ? getTags(db, arn) : undefined };
      })();
    },

    DescribeTaskDefinition: (input: DescribeTaskDefinitionRequest, ctx: RequestContext) =>
      describeUnchanged(input.taskDefinition!, ctx, input.include?.includes("TAGS") ?? false),

    ListTaskDefinitions: (input: ListTaskDefinitionsRequest, ctx: RequestContext) => {
      const arns = listTaskDefinitionArns(db, ctx, {
        family: input.familyPrefix || undefined,
        status: input.status ?? "ACTIVE",
        descending: input.sort === "DESC",
      });
      const { page, nextToken } = paginate(arns, input);
      return { taskDefinitionArns: page, nextToken };
    },

    ListTaskDefinitionFamilies: (input: ListTaskDefinitionFamiliesRequest, ctx: RequestContext) => {
      const families = listFamilies(db, ctx, { prefix: input.familyPrefix, status: input.status ?? "ALL" });
      const { page, nextToken } = paginate(families, input);
      return { families: page, nextToken };
    },

    DeregisterTaskDefinition: (input: DeregisterTaskDefinitionRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const ref = parseTaskDefinitionRef(ctx, input.taskDefinition!);
        if (!ref) throw notFound();
        if (ref.revision === undefined) throw clientException("Revision is missing.");
        const found = findTaskDefinition(db, ctx, ref.family, ref.revision);
        if (!found) throw notFound();
        if (found.status === "DELETE_IN_PROGRESS") {
          throw clientException("The task definition could not be deregistered because it is in the process of being deleted.");
        }
        // Deregistering an INACTIVE revision again returns it unchanged, as ECS does.
        if (found.status !== "ACTIVE") return { taskDefinition: found };
        const taskDefinition: TaskDefinition = { ...found, status: "INACTIVE", deregisteredAt: clock.now() };
        saveTaskDefinition(db, ctx, taskDefinition);
        return { taskDefinition };
      })(),

    DeleteTaskDefinitions: (input: DeleteTaskDefinitionsRequest, ctx: RequestContext) => {
      const refs = input.taskDefinitions ?? [];
      if (refs.length === 0) throw invalidParameter("taskDefinitions must contain at least 1 item.");
      if (refs.length > MAX_DELETE) throw invalidParameter(`taskDefinitions can have at most ${MAX_DELETE} items.`);
      return db.transaction(() => {
        const taskDefinitions: TaskDefinition[] = [];
        const failures: Failure[] = [];
        for (const raw of refs) {
          const ref = parseTaskDefinitionRef(ctx, raw);
          if (!ref || ref.revision === undefined) {
            failures.push({ arn: raw, reason: "The specified task definition identifier is invalid. Specify a valid name or ARN and try again." });
            continue;
          }
          const arn = taskDefinitionArn(ctx, ref.family, ref.revision);
          const found = findTaskDefinition(db, ctx, ref.family, ref.revision);
          if (!found) {
            failures.push({ arn, reason: "The specified task definition does not exist. Specify a valid account, family, revision and try again." });
          } else if (found.status === "ACTIVE") {
            failures.push({ arn, reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again." });
          } else if (found.status === "DELETE_IN_PROGRESS") {
            taskDefinitions.push(found);
          } else {
            const deleting: TaskDefinition = { ...found, status: "DELETE_IN_PROGRESS", deleteRequestedAt: clock.now() };
            saveTaskDefinition(db, ctx, deleting);
            taskDefinitions.push(deleting);
          }
        }
        return { taskDefinitions, failures };
      })();
    },
  };
}
