import type * as W from "@aws-sdk/client-eventbridge";
import { loadModel } from "../aws/model.js";
import type { AwsService, Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { createBus, deleteBus, describeBus, listBuses, putPermission, removePermission, requireBus, updateBus } from "./event-buses.js";
import { deleteRule, describeRule, findRule, listRuleNamesByTarget, listRules, putRule, checkPattern, setRuleState } from "./event-rules.js";
import { listTargets, putTargets, removeTargets } from "./event-targets.js";
import { putEvents } from "./put-events.js";
import { crossAccountPutDenial } from "./cross-account-put.js";
import { compileEventPattern } from "./patterns/event-pattern.js";
import { notFound, validation } from "./errors.js";
import type { TargetDispatcher } from "./target-dispatch.js";
import { GroupCommit } from "../store/group-commit.js";
import { createArchive, deleteArchive, describeArchive, listArchives, updateArchive } from "./archives.js";
import { cancelReplay, describeReplay, listReplays, startReplay } from "./replays.js";
import { authorizingConnections, createConnection, deauthorizeConnection, deleteConnection, describeConnection, listConnections, updateConnection } from "./api/connections.js";
import { createApiDestination, deleteApiDestination, describeApiDestination, listApiDestinations, updateApiDestination } from "./api/api-destinations.js";
import { authorizeConnection } from "./api/authorize-connection.js";
import type { OAuthTokens } from "./api/oauth-tokens.js";
import type { SecretDeps } from "../secretsmanager/secret-store.js";
import type { Logger } from "../core/logger.js";

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

/** The bus or rule a tagging call's ARN names (it must exist). */
function taggable(db: Db, clock: Clock, scope: Scope, arn: string): string {
  const m = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):(event-bus|rule)\/(.+)$/.exec(arn);
  if (m && m[1] === scope.region && m[2] === scope.account) {
    if (m[3] === "event-bus") {
      requireBus(db, clock, scope, m[4]);
      return arn;
    }
    const parts = m[4]!.split("/");
    const [bus, name] = parts.length === 1 ? ["default", parts[0]!] : [parts[0]!, parts[1]!];
    if (findRule(db, scope, bus, name)) return arn;
  }
  throw notFound(`Resource ${arn.split("/").pop()} does not exist.`);
}

const REQUIRED_EVENT_FIELDS = ["id", "account", "source", "time", "region", "detail-type"];

/** EventBridge (awsJson1_1): buses, rules, targets, PutEvents; `wake` tells the delivery worker deliveries were queued. */
export function createEventsService({ db, clock, dispatchers, wake, secrets, oauth, log, iamEnforcement = false }: {
  db: Db; clock: Clock; dispatchers: () => TargetDispatcher[]; wake: () => void;
  /** Whether an entry for another account's bus needs that bus's policy (cross-account-put.ts). */
  iamEnforcement?: boolean;
  /** Where connections keep their secret parts (Secrets Manager's store), and how OAuth connections get tokens. */
  secrets: SecretDeps; oauth: OAuthTokens; log: Logger;
}): AwsService {
  const group = new GroupCommit(db);
  /** An OAuth connection gets its first token after the request that made or changed it answered. */
  const authorizeLater = (scope: Scope, name: string) =>
    setImmediate(() => void authorizeConnection({ secrets, clock, oauth, log }, scope, name).catch((err) => log.error({ err }, "connection authorization failed")));
  // An authorization runs in memory only: a server stopped (or killed) meanwhile left its
  // connection AUTHORIZING, which nothing else would ever change. Authorize those again now.
  for (const { scope, name } of authorizingConnections(db)) authorizeLater(scope, name);
  const handlers: Record<string, Handler> = {
    CreateEventBus: (input: W.CreateEventBusRequest, ctx) => {
      const scope = scopeOf(ctx);
      const arn = db.transaction(() => {
        const a = createBus(db, clock, scope, input);
        const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
        for (const t of input.Tags ?? []) stmt.run(a, t.Key, t.Value);
        return a;
      })();
      return { EventBusArn: arn, Description: input.Description, DeadLetterConfig: input.DeadLetterConfig, KmsKeyIdentifier: input.KmsKeyIdentifier };
    },
    DescribeEventBus: (input: W.DescribeEventBusRequest, ctx) => describeBus(db, clock, scopeOf(ctx), input.Name),
    ListEventBuses: (input: W.ListEventBusesRequest, ctx) => listBuses(db, clock, scopeOf(ctx), input),
    UpdateEventBus: (input: W.UpdateEventBusRequest, ctx) => db.transaction(() => updateBus(db, clock, scopeOf(ctx), input))(),
    DeleteEventBus: (input: W.DeleteEventBusRequest, ctx) => (deleteBus(db, scopeOf(ctx), input.Name!), {}),
    PutPermission: (input: W.PutPermissionRequest, ctx) => (putPermission(db, clock, scopeOf(ctx), input), {}),
    RemovePermission: (input: W.RemovePermissionRequest, ctx) => (removePermission(db, clock, scopeOf(ctx), input), {}),

    PutRule: (input: W.PutRuleRequest, ctx) => ({ RuleArn: putRule(db, clock, scopeOf(ctx), input) }),
    DescribeRule: (input: W.DescribeRuleRequest, ctx) => describeRule(db, clock, scopeOf(ctx), input),
    ListRules: (input: W.ListRulesRequest, ctx) => listRules(db, clock, scopeOf(ctx), input),
    EnableRule: (input: W.EnableRuleRequest, ctx) => (setRuleState(db, clock, scopeOf(ctx), input, "ENABLED"), {}),
    DisableRule: (input: W.DisableRuleRequest, ctx) => (setRuleState(db, clock, scopeOf(ctx), input, "DISABLED"), {}),
    DeleteRule: (input: W.DeleteRuleRequest, ctx) => (deleteRule(db, clock, scopeOf(ctx), input), {}),
    ListRuleNamesByTarget: (input: W.ListRuleNamesByTargetRequest, ctx) => listRuleNamesByTarget(db, clock, scopeOf(ctx), input),
    TestEventPattern: (input: W.TestEventPatternRequest) => {
      checkPattern(input.EventPattern!);
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(input.Event!);
      } catch {
        throw validation("Parameter Event is not valid.");
      }
      if (event === null || typeof event !== "object" || Array.isArray(event)) throw validation("Parameter Event is not valid.");
      const missing = REQUIRED_EVENT_FIELDS.filter((f) => event[f] === undefined);
      if (missing.length) throw validation(`Parameter Event is not valid. Reason: Provided Event is missing required field(s): ${missing.join(", ")}.`);
      return { Result: compileEventPattern(input.EventPattern!).matches(event) };
    },

    PutTargets: (input: W.PutTargetsRequest, ctx) => putTargets(db, clock, scopeOf(ctx), input, dispatchers()),
    RemoveTargets: (input: W.RemoveTargetsRequest, ctx) => removeTargets(db, clock, scopeOf(ctx), input),
    ListTargetsByRule: (input: W.ListTargetsByRuleRequest, ctx) => listTargets(db, clock, scopeOf(ctx), input),

    PutEvents: async (input: W.PutEventsRequest, ctx) => {
      const { response, commit } = putEvents(db, clock, scopeOf(ctx), input, iamEnforcement ? crossAccountPutDenial(db, clock, ctx) : undefined);
      let queued = 0;
      // Concurrent PutEvents share a transaction (and its fsync); each answers once it committed.
      await group.run(() => (queued = commit()));
      if (queued > 0) wake();
      return response;
    },

    CreateArchive: (input: W.CreateArchiveRequest, ctx) => createArchive(db, clock, scopeOf(ctx), input),
    DescribeArchive: (input: W.DescribeArchiveRequest, ctx) => describeArchive(db, scopeOf(ctx), input.ArchiveName!),
    ListArchives: (input: W.ListArchivesRequest, ctx) => listArchives(db, clock, scopeOf(ctx), input),
    UpdateArchive: (input: W.UpdateArchiveRequest, ctx) => updateArchive(db, scopeOf(ctx), input),
    DeleteArchive: (input: W.DeleteArchiveRequest, ctx) => (deleteArchive(db, scopeOf(ctx), input.ArchiveName!), {}),
    StartReplay: (input: W.StartReplayRequest, ctx) => {
      const started = startReplay(db, clock, scopeOf(ctx), input);
      wake();
      return started;
    },
    DescribeReplay: (input: W.DescribeReplayRequest, ctx) => describeReplay(db, scopeOf(ctx), input.ReplayName!),
    ListReplays: (input: W.ListReplaysRequest, ctx) => listReplays(db, scopeOf(ctx), input),
    CancelReplay: (input: W.CancelReplayRequest, ctx) => cancelReplay(db, scopeOf(ctx), input.ReplayName!),

    CreateConnection: (input: W.CreateConnectionRequest, ctx) => {
      const created = createConnection(secrets, clock, scopeOf(ctx), input);
      if (created.ConnectionState === "AUTHORIZING") authorizeLater(scopeOf(ctx), input.Name!);
      return created;
    },
    DescribeConnection: (input: W.DescribeConnectionRequest, ctx) => describeConnection(db, scopeOf(ctx), input.Name!),
    ListConnections: (input: W.ListConnectionsRequest, ctx) => listConnections(db, scopeOf(ctx), input),
    UpdateConnection: (input: W.UpdateConnectionRequest, ctx) => {
      const updated = updateConnection(secrets, clock, scopeOf(ctx), input);
      if (updated.ConnectionState === "AUTHORIZING") authorizeLater(scopeOf(ctx), input.Name!);
      return updated;
    },
    DeauthorizeConnection: (input: W.DeauthorizeConnectionRequest, ctx) => deauthorizeConnection(db, clock, scopeOf(ctx), input.Name!),
    DeleteConnection: (input: W.DeleteConnectionRequest, ctx) => deleteConnection(db, clock, scopeOf(ctx), input.Name!),
    CreateApiDestination: (input: W.CreateApiDestinationRequest, ctx) => createApiDestination(db, clock, scopeOf(ctx), input),
    DescribeApiDestination: (input: W.DescribeApiDestinationRequest, ctx) => describeApiDestination(db, scopeOf(ctx), input.Name!),
    ListApiDestinations: (input: W.ListApiDestinationsRequest, ctx) => listApiDestinations(db, scopeOf(ctx), input),
    UpdateApiDestination: (input: W.UpdateApiDestinationRequest, ctx) => updateApiDestination(db, clock, scopeOf(ctx), input),
    DeleteApiDestination: (input: W.DeleteApiDestinationRequest, ctx) => (deleteApiDestination(db, scopeOf(ctx), input.Name!), {}),

    TagResource: (input: W.TagResourceRequest, ctx) => {
      const arn = taggable(db, clock, scopeOf(ctx), input.ResourceARN!);
      const stmt = db.prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
      db.transaction(() => {
        for (const t of input.Tags!) stmt.run(arn, t.Key, t.Value);
      })();
      return {};
    },
    UntagResource: (input: W.UntagResourceRequest, ctx) => {
      const arn = taggable(db, clock, scopeOf(ctx), input.ResourceARN!);
      const stmt = db.prepare("DELETE FROM tags WHERE arn = ? AND key = ?");
      db.transaction(() => {
        for (const k of input.TagKeys!) stmt.run(arn, k);
      })();
      return {};
    },
    ListTagsForResource: (input: W.ListTagsForResourceRequest, ctx) => {
      const arn = taggable(db, clock, scopeOf(ctx), input.ResourceARN!);
      const rows = db.prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY rowid").all(arn) as Array<{ key: string; value: string }>;
      return { Tags: rows.map((r) => ({ Key: r.key, Value: r.value })) };
    },
  };
  // EventBridge answers broken model constraints with ValidationException.
  return { model: loadModel("events"), handlers, validation: { invalid: "ValidationException" } };
}
