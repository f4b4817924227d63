import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import * as IAM from "@aws-sdk/client-iam";
import { SecretsManagerClient, CreateSecretCommand, GetSecretValueCommand, DescribeSecretCommand, BatchGetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { SSMClient, PutParameterCommand, GetParameterCommand, GetParametersCommand } from "@aws-sdk/client-ssm";
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { SQSClient, CreateQueueCommand, SendMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { SNSClient, CreateTopicCommand, PublishCommand } from "@aws-sdk/client-sns";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import {
  ECSClient, CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, PutAccountSettingCommand, DeleteAccountSettingCommand, TagResourceCommand,
} from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client, CreateTargetGroupCommand, DeleteTargetGroupCommand, ModifyTargetGroupCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { EventBridgeClient, PutRuleCommand, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SchedulerClient, CreateScheduleGroupCommand } from "@aws-sdk/client-scheduler";
import { BerthProcess } from "./harness.js";
import { boto3Json } from "./boto3.js";

/**
 * iamEnforcement beyond ECS and ECR: each service's calls are authorized on the resources the
 * Service Authorization Reference names (a secret's full ARN, a parameter's, a log stream's, a
 * queue's, a topic's), with their tags (aws:ResourceTag) and the request's (aws:RequestTag,
 * aws:TagKeys), policy variables, and session policies narrowing an assumed role.
 */

const ROOT = { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" };
const ACCOUNT = "000000000000";
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const config = (endpoint: string, credentials: Creds) => ({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const noAllow = (who: string, action: string, resource: string) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

async function rejectsWith(p: Promise<unknown>, name: string, message: string) {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    assert.equal(err.message, message);
    return true;
  });
}

describe("IAM enforcement on the resources of Secrets Manager, SSM, Logs, SQS, SNS, ELBv2, CloudWatch, EventBridge and Scheduler", () => {
  let berth: BerthProcess;
  let iam: IAM.IAMClient;
  before(async () => {
    berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey}`, "--iam-enforcement"] });
    iam = new IAM.IAMClient(config(berth.endpoint, ROOT));
  });
  after(async () => {
    await berth.dispose();
  });

  async function keysOf(name: string): Promise<Creds> {
    const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  }
  async function userWith(name: string, statements: object[]): Promise<Creds> {
    await iam.send(new IAM.CreateUserCommand({ UserName: name }));
    await iam.send(new IAM.PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: doc(statements) }));
    return keysOf(name);
  }

  test("Secrets Manager: a user allowed one secret reads it by name or ARN, and is refused another, named by its full ARN", async () => {
    const root = new SecretsManagerClient(config(berth.endpoint, ROOT));
    const db = await root.send(new CreateSecretCommand({ Name: "app/db", SecretString: "db-pass" }));
    const admin = await root.send(new CreateSecretCommand({ Name: "app/admin", SecretString: "admin-pass" }));
    const sam = await userWith("sam", [
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db-??????` },
    ]);
    const sm = new SecretsManagerClient(config(berth.endpoint, sam));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: "app/db" }))).SecretString, "db-pass");
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: db.ARN! }))).SecretString, "db-pass");
    // A partial ARN (without the six characters) is resolved to the secret before it is authorized.
    assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db` }))).Name, "app/db");
    await rejectsWith(sm.send(new GetSecretValueCommand({ SecretId: "app/admin" })), "AccessDeniedException",
      noAllow(userArn("sam"), "secretsmanager:GetSecretValue", admin.ARN!));
    // A secret that does not exist is named as the caller named it: the refusal reveals nothing.
    await rejectsWith(sm.send(new GetSecretValueCommand({ SecretId: "app/nothing" })), "AccessDeniedException",
      noAllow(userArn("sam"), "secretsmanager:GetSecretValue", "app/nothing"));
    // CreateSecret is authorized before the suffix exists: on NAME-??????.
    await rejectsWith(sm.send(new CreateSecretCommand({ Name: "app/new", SecretString: "x" })), "AccessDeniedException",
      noAllow(userArn("sam"), "secretsmanager:CreateSecret", `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/new-??????`));
  });

  test("Secrets Manager: BatchGetSecretValue needs GetSecretValue on each secret (a refusal is that secret's error) and ListSecrets for filters", async () => {
    const root = new SecretsManagerClient(config(berth.endpoint, ROOT));
    const open = await root.send(new CreateSecretCommand({ Name: "batch/open", SecretString: "open-value" }));
    const closed = await root.send(new CreateSecretCommand({ Name: "batch/closed", SecretString: "closed-value" }));
    const bea = await userWith("bea", [
      { Effect: "Allow", Action: "secretsmanager:BatchGetSecretValue", Resource: "*" },
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:batch/open-??????` },
    ]);
    const sm = new SecretsManagerClient(config(berth.endpoint, bea));
    const out = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ["batch/open", "batch/closed"] }));
    assert.deepEqual(out.SecretValues?.map((v) => [v.ARN, v.SecretString]), [[open.ARN, "open-value"]]);
    assert.deepEqual(out.Errors?.map((e) => [e.SecretId, e.ErrorCode, e.Message]), [
      ["batch/closed", "AccessDeniedException", noAllow(userArn("bea"), "secretsmanager:GetSecretValue", closed.ARN!)],
    ]);
    await rejectsWith(sm.send(new BatchGetSecretValueCommand({ Filters: [{ Key: "name", Values: ["batch/"] }] })), "AccessDeniedException",
      noAllow(userArn("bea"), "secretsmanager:ListSecrets", "*"));
  });

  test("Secrets Manager: aws:ResourceTag denies tagged secrets; aws:RequestTag and aws:TagKeys gate creation", async () => {
    const root = new SecretsManagerClient(config(berth.endpoint, ROOT));
    await root.send(new CreateSecretCommand({ Name: "tagged/prod", SecretString: "p", Tags: [{ Key: "stage", Value: "prod" }] }));
    const dev = await root.send(new CreateSecretCommand({ Name: "tagged/dev", SecretString: "d", Tags: [{ Key: "stage", Value: "dev" }] }));
    const tia = await userWith("tia", [
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" },
      { Effect: "Deny", Action: "secretsmanager:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/stage": "prod" } } },
      {
        Effect: "Allow", Action: "secretsmanager:CreateSecret", Resource: "*",
        Condition: { StringEquals: { "aws:RequestTag/owner": "${aws:username}" }, "ForAllValues:StringEquals": { "aws:TagKeys": ["owner", "stage"] } },
      },
    ]);
    const sm = new SecretsManagerClient(config(berth.endpoint, tia));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: "tagged/dev" }))).SecretString, "d");
    const prodArn = (await root.send(new DescribeSecretCommand({ SecretId: "tagged/prod" }))).ARN!;
    await rejectsWith(sm.send(new GetSecretValueCommand({ SecretId: "tagged/prod" })), "AccessDeniedException",
      `User: ${userArn("tia")} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${prodArn} with an explicit deny in an identity-based policy`);
    assert.ok(dev.ARN);
    await sm.send(new CreateSecretCommand({ Name: "tia/one", SecretString: "1", Tags: [{ Key: "owner", Value: "tia" }] }));
    const denied = (name: string) => noAllow(userArn("tia"), "secretsmanager:CreateSecret", `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-??????`);
    await rejectsWith(sm.send(new CreateSecretCommand({ Name: "tia/two", SecretString: "2", Tags: [{ Key: "owner", Value: "sam" }] })), "AccessDeniedException", denied("tia/two"));
    await rejectsWith(sm.send(new CreateSecretCommand({ Name: "tia/three", SecretString: "3", Tags: [{ Key: "owner", Value: "tia" }, { Key: "cost", Value: "x" }] })),
      "AccessDeniedException", denied("tia/three"));
    await rejectsWith(sm.send(new CreateSecretCommand({ Name: "tia/four", SecretString: "4" })), "AccessDeniedException", denied("tia/four"));
  });

  test("SSM: one policy with ${aws:username} keeps each user to /users/<name>/*", async () => {
    const policy = await iam.send(new IAM.CreatePolicyCommand({
      PolicyName: "own-parameters",
      PolicyDocument: doc([{ Effect: "Allow", Action: ["ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters"], Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/users/\${aws:username}/*` }]),
    }));
    const creds: Record<string, Creds> = {};
    for (const name of ["alice", "bob"]) {
      await iam.send(new IAM.CreateUserCommand({ UserName: name }));
      await iam.send(new IAM.AttachUserPolicyCommand({ UserName: name, PolicyArn: policy.Policy!.Arn! }));
      creds[name] = await keysOf(name);
    }
    const alice = new SSMClient(config(berth.endpoint, creds["alice"]!));
    const bob = new SSMClient(config(berth.endpoint, creds["bob"]!));
    await alice.send(new PutParameterCommand({ Name: "/users/alice/token", Value: "a", Type: "SecureString" }));
    await bob.send(new PutParameterCommand({ Name: "/users/bob/token", Value: "b", Type: "String" }));
    assert.equal((await alice.send(new GetParameterCommand({ Name: "/users/alice/token", WithDecryption: true }))).Parameter?.Value, "a");
    const bobsArn = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/users/bob/token`;
    await rejectsWith(alice.send(new GetParameterCommand({ Name: "/users/bob/token" })), "AccessDeniedException", noAllow(userArn("alice"), "ssm:GetParameter", bobsArn));
    await rejectsWith(alice.send(new PutParameterCommand({ Name: "/users/bob/token", Value: "x", Overwrite: true, Type: "String" })), "AccessDeniedException",
      noAllow(userArn("alice"), "ssm:PutParameter", bobsArn));
    // A version selector is not part of the resource; every name of GetParameters must be allowed.
    assert.equal((await bob.send(new GetParameterCommand({ Name: "/users/bob/token:1" }))).Parameter?.Value, "b");
    await rejectsWith(bob.send(new GetParametersCommand({ Names: ["/users/bob/token", "/users/alice/token"] })), "AccessDeniedException",
      noAllow(userArn("bob"), "ssm:GetParameters", `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/users/alice/token`));
    // A parameter named by an ARN of another partition (which Parameter Store takes) is evaluated as its own ARN.
    assert.equal((await alice.send(new GetParameterCommand({ Name: `arn:aws-cn:ssm:us-east-1:${ACCOUNT}:parameter/users/alice/token:1`, WithDecryption: true }))).Parameter?.Value, "a");
    await rejectsWith(alice.send(new GetParameterCommand({ Name: `arn:aws-cn:ssm:us-east-1:${ACCOUNT}:parameter/users/bob/token` })), "AccessDeniedException",
      noAllow(userArn("alice"), "ssm:GetParameter", bobsArn));
    // Nothing changed: bob's value is still his.
    assert.equal((await bob.send(new GetParameterCommand({ Name: "/users/bob/token" }))).Parameter?.Value, "b");
  });

  test("CloudWatch Logs: a log group's tags decide (aws:ResourceTag); streams are authorized on their own ARN", async () => {
    const root = new CloudWatchLogsClient(config(berth.endpoint, ROOT));
    await root.send(new CreateLogGroupCommand({ logGroupName: "/team/blue", tags: { team: "blue" } }));
    await root.send(new CreateLogGroupCommand({ logGroupName: "/team/red", tags: { team: "red" } }));
    await root.send(new CreateLogStreamCommand({ logGroupName: "/team/red", logStreamName: "s1" }));
    const lou = await userWith("lou", [
      { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "blue" } } },
    ]);
    const logs = new CloudWatchLogsClient(config(berth.endpoint, lou));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "/team/blue", logStreamName: "s1" }));
    await logs.send(new PutLogEventsCommand({ logGroupName: "/team/blue", logStreamName: "s1", logEvents: [{ timestamp: Date.now(), message: "hello" }] }));
    const group = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/team/red`;
    await rejectsWith(logs.send(new CreateLogStreamCommand({ logGroupName: "/team/red", logStreamName: "s2" })), "AccessDeniedException",
      noAllow(userArn("lou"), "logs:CreateLogStream", `${group}:log-stream:`));
    await rejectsWith(logs.send(new PutLogEventsCommand({ logGroupName: "/team/red", logStreamName: "s1", logEvents: [{ timestamp: Date.now(), message: "x" }] })),
      "AccessDeniedException", noAllow(userArn("lou"), "logs:PutLogEvents", `${group}:log-stream:s1`));
  });

  test("a session policy narrows an assumed role to what both allow", async () => {
    const trust = doc([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }]);
    await iam.send(new IAM.CreateRoleCommand({ RoleName: "params", AssumeRolePolicyDocument: trust }));
    await iam.send(new IAM.PutRolePolicyCommand({ RoleName: "params", PolicyName: "p", PolicyDocument: doc([{ Effect: "Allow", Action: "ssm:*", Resource: "*" }]) }));
    const readOnly = await iam.send(new IAM.CreatePolicyCommand({ PolicyName: "read-app", PolicyDocument: doc([{ Effect: "Allow", Action: "ssm:Get*", Resource: "*" }]) }));
    const root = new SSMClient(config(berth.endpoint, ROOT));
    await root.send(new PutParameterCommand({ Name: "/app/a", Value: "1", Type: "String" }));
    await root.send(new PutParameterCommand({ Name: "/other/b", Value: "2", Type: "String" }));
    const sts = new STSClient(config(berth.endpoint, ROOT));
    const session = async (input: { Policy?: string; PolicyArns?: { arn: string }[] }, name: string): Promise<Creds> => {
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/params`, RoleSessionName: name, ...input }))).Credentials!;
      return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    };
    const sessionArn = (name: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/params/${name}`;
    const noSessionAllow = (name: string, action: string, resource: string) =>
      `User: ${sessionArn(name)} is not authorized to perform: ${action} on resource: ${resource} because no session policy allows the ${action} action`;
    // An inline session policy: only /app/*, though the role allows every parameter.
    const inline = new SSMClient(config(berth.endpoint, await session({ Policy: doc([{ Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/*` }]) }, "inline")));
    assert.equal((await inline.send(new GetParameterCommand({ Name: "/app/a" }))).Parameter?.Value, "1");
    await rejectsWith(inline.send(new GetParameterCommand({ Name: "/other/b" })), "AccessDeniedException",
      noSessionAllow("inline", "ssm:GetParameter", `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/other/b`));
    // A managed policy as session policy: reads, no writes; the role alone could write.
    const managed = new SSMClient(config(berth.endpoint, await session({ PolicyArns: [{ arn: readOnly.Policy!.Arn! }] }, "managed")));
    assert.equal((await managed.send(new GetParameterCommand({ Name: "/other/b" }))).Parameter?.Value, "2");
    await rejectsWith(managed.send(new PutParameterCommand({ Name: "/app/a", Value: "9", Overwrite: true, Type: "String" })), "AccessDeniedException",
      noSessionAllow("managed", "ssm:PutParameter", `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/a`));
    // A session policy cannot grant what the role's policies do not: the role has no secretsmanager:*.
    const wide = new SecretsManagerClient(config(berth.endpoint, await session({ Policy: doc([{ Effect: "Allow", Action: "*", Resource: "*" }]) }, "wide")));
    await rejectsWith(wide.send(new GetSecretValueCommand({ SecretId: "app/nothing" })), "AccessDeniedException",
      noAllow(sessionArn("wide"), "secretsmanager:GetSecretValue", "app/nothing"));
    // A Deny in a session policy is an explicit deny.
    const denying = new SSMClient(config(berth.endpoint, await session({ Policy: doc([{ Effect: "Allow", Action: "ssm:*", Resource: "*" }, { Effect: "Deny", Action: "ssm:GetParameter", Resource: "*" }]) }, "denying")));
    await rejectsWith(denying.send(new GetParameterCommand({ Name: "/app/a" })), "AccessDeniedException",
      `User: ${sessionArn("denying")} is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/a with an explicit deny in a session policy`);
    // A malformed session policy is refused by STS, and no session is made.
    await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/params`, RoleSessionName: "bad", Policy: "{\"Version\":\"2012-10-17\"}" })),
      (e: Error) => e.name === "MalformedPolicyDocumentException");
    assert.equal((await root.send(new GetParameterCommand({ Name: "/app/a" }))).Parameter?.Value, "1");
  });

  test("SQS and SNS: queue and topic ARNs; each protocol's refusal (boto3 over SQS's JSON and SNS's query)", async () => {
    const rootSqs = new SQSClient(config(berth.endpoint, ROOT));
    const allowed = await rootSqs.send(new CreateQueueCommand({ QueueName: "jobs" }));
    const other = await rootSqs.send(new CreateQueueCommand({ QueueName: "audit" }));
    const rootSns = new SNSClient(config(berth.endpoint, ROOT));
    const topic = await rootSns.send(new CreateTopicCommand({ Name: "events" }));
    const closed = await rootSns.send(new CreateTopicCommand({ Name: "closed" }));
    const quinn = await userWith("quinn", [
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs` },
      { Effect: "Allow", Action: "sns:Publish", Resource: topic.TopicArn },
    ]);
    const sqs = new SQSClient(config(berth.endpoint, quinn));
    assert.ok((await sqs.send(new SendMessageCommand({ QueueUrl: allowed.QueueUrl!, MessageBody: "x" }))).MessageId);
    // The batch call is authorized as sqs:SendMessage.
    assert.equal((await sqs.send(new SendMessageBatchCommand({ QueueUrl: allowed.QueueUrl!, Entries: [{ Id: "1", MessageBody: "y" }] }))).Successful?.length, 1);
    const sns = new SNSClient(config(berth.endpoint, quinn));
    assert.ok((await sns.send(new PublishCommand({ TopicArn: topic.TopicArn!, Message: "m" }))).MessageId);
    const refused = await boto3Json<Record<string, unknown>>(`
import json, sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
out = {}
for name, call in [("sqs", lambda: boto3.client("sqs", **kw).send_message(QueueUrl=sys.argv[4], MessageBody="x")),
                   ("sns", lambda: boto3.client("sns", **kw).publish(TopicArn=sys.argv[5], Message="m"))]:
    try:
        call()
        out[name] = "allowed"
    except Exception as e:
        out[name] = {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"]["Message"]}
print(json.dumps(out))`, berth.endpoint, quinn.accessKeyId, quinn.secretAccessKey, other.QueueUrl!, closed.TopicArn!);
    assert.deepEqual(refused, {
      sqs: { code: "AccessDenied", status: 403, message: noAllow(userArn("quinn"), "sqs:sendmessage", `arn:aws:sqs:us-east-1:${ACCOUNT}:audit`) },
      sns: { code: "AuthorizationError", status: 403, message: noAllow(userArn("quinn"), "SNS:Publish", closed.TopicArn!) },
    });
  });

  test("ELBv2, CloudWatch, EventBridge and Scheduler: target groups, alarms, rules, buses and schedule groups by ARN", async () => {
    const rootElb = new ElasticLoadBalancingV2Client(config(berth.endpoint, ROOT));
    const api = (await rootElb.send(new CreateTargetGroupCommand({ Name: "api", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip" }))).TargetGroups![0]!;
    const rita = await userWith("rita", [
      { Effect: "Allow", Action: ["elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:ModifyTargetGroup"], Resource: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/web-*/*` },
      { Effect: "Allow", Action: "cloudwatch:PutMetricAlarm", Resource: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:web-*` },
      { Effect: "Allow", Action: "events:PutRule", Resource: `arn:aws:events:us-east-1:${ACCOUNT}:rule/web-*` },
      { Effect: "Allow", Action: "events:PutEvents", Resource: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` },
    ]);
    const who = userArn("rita");
    const elb = new ElasticLoadBalancingV2Client(config(berth.endpoint, rita));
    const web = (await elb.send(new CreateTargetGroupCommand({ Name: "web-1", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip" }))).TargetGroups![0]!;
    await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: web.TargetGroupArn!, HealthCheckPath: "/up" }));
    // ELBv2 speaks awsQuery: AccessDenied. A create names the group to be, with its id unknown.
    await rejectsWith(elb.send(new CreateTargetGroupCommand({ Name: "other", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip" })), "AccessDenied",
      noAllow(who, "elasticloadbalancing:CreateTargetGroup", `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/other/*`));
    await rejectsWith(elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: api.TargetGroupArn!, HealthCheckPath: "/up" })), "AccessDenied",
      noAllow(who, "elasticloadbalancing:ModifyTargetGroup", api.TargetGroupArn!));
    await rejectsWith(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: web.TargetGroupArn! })), "AccessDenied",
      noAllow(who, "elasticloadbalancing:DeleteTargetGroup", web.TargetGroupArn!));

    const cw = new CloudWatchClient(config(berth.endpoint, rita));
    const alarm = (AlarmName: string) => new PutMetricAlarmCommand({ AlarmName, Namespace: "N", MetricName: "M", Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold" });
    await cw.send(alarm("web-cpu"));
    await assert.rejects(cw.send(alarm("db-cpu")), (e: Error) => e.message === noAllow(who, "cloudwatch:PutMetricAlarm", `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:db-cpu`));
    // PutMetricData has no resource: it is authorized on "*".
    await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: "N", MetricData: [{ MetricName: "M", Value: 1 }] })), (e: Error) => e.message === noAllow(who, "cloudwatch:PutMetricData", "*"));

    const events = new EventBridgeClient(config(berth.endpoint, rita));
    await events.send(new PutRuleCommand({ Name: "web-nightly", ScheduleExpression: "rate(1 day)" }));
    await rejectsWith(events.send(new PutRuleCommand({ Name: "db-nightly", ScheduleExpression: "rate(1 day)" })), "AccessDeniedException",
      noAllow(who, "events:PutRule", `arn:aws:events:us-east-1:${ACCOUNT}:rule/db-nightly`));
    assert.equal((await events.send(new PutEventsCommand({ Entries: [{ Source: "app", DetailType: "t", Detail: "{}" }] }))).FailedEntryCount, 0);
    await rejectsWith(events.send(new PutEventsCommand({ Entries: [{ Source: "app", DetailType: "t", Detail: "{}", EventBusName: "audit" }] })), "AccessDeniedException",
      noAllow(who, "events:PutEvents", `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/audit`));

    await rejectsWith(new SchedulerClient(config(berth.endpoint, rita)).send(new CreateScheduleGroupCommand({ Name: "ops" })), "AccessDeniedException",
      noAllow(who, "scheduler:CreateScheduleGroup", `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule-group/ops`));
  });

  test("ECS: aws:ResourceTag on clusters; aws:RequestTag on CreateCluster", async () => {
    const root = new ECSClient(config(berth.endpoint, ROOT));
    await root.send(new CreateClusterCommand({ clusterName: "dev-1", tags: [{ key: "env", value: "dev" }] }));
    await root.send(new CreateClusterCommand({ clusterName: "prod-1", tags: [{ key: "env", value: "prod" }] }));
    const eve = await userWith("eve", [
      { Effect: "Allow", Action: ["ecs:DescribeClusters", "ecs:DeleteCluster"], Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/env": "dev" } } },
      { Effect: "Allow", Action: "ecs:CreateCluster", Resource: "*", Condition: { StringEquals: { "aws:RequestTag/env": "dev" } } },
    ]);
    const ecs = new ECSClient(config(berth.endpoint, eve));
    assert.equal((await ecs.send(new DescribeClustersCommand({ clusters: ["dev-1"] }))).clusters?.[0]?.clusterName, "dev-1");
    const prod = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod-1`;
    await rejectsWith(ecs.send(new DeleteClusterCommand({ cluster: "prod-1" })), "AccessDeniedException", noAllow(userArn("eve"), "ecs:DeleteCluster", prod));
    // Tagging authorization (tagResourceAuthorization, on by default): tags on create need ecs:TagResource too.
    const devTags = [{ key: "env", value: "dev" }];
    await rejectsWith(ecs.send(new CreateClusterCommand({ clusterName: "dev-2", tags: devTags })), "AccessDeniedException",
      noAllow(userArn("eve"), "ecs:TagResource", `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/dev-2`));
    assert.deepEqual((await root.send(new DescribeClustersCommand({ clusters: ["dev-2"] }))).failures?.map((f) => f.reason), ["MISSING"], "nothing was created");
    // Turned off for eve (by the root user), ecs:CreateCluster is enough.
    await root.send(new PutAccountSettingCommand({ name: "tagResourceAuthorization", value: "off", principalArn: userArn("eve") }));
    await ecs.send(new CreateClusterCommand({ clusterName: "dev-2", tags: devTags }));
    await root.send(new DeleteAccountSettingCommand({ name: "tagResourceAuthorization", principalArn: userArn("eve") }));
    await rejectsWith(ecs.send(new CreateClusterCommand({ clusterName: "dev-3" })), "AccessDeniedException",
      noAllow(userArn("eve"), "ecs:CreateCluster", `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/dev-3`));
    await ecs.send(new DeleteClusterCommand({ cluster: "dev-2" }));
    assert.equal((await root.send(new DescribeClustersCommand({ clusters: ["prod-1"] }))).clusters?.[0]?.status, "ACTIVE");

    // The Developer Guide's policy: ecs:TagResource only as part of a create (ecs:CreateAction), never on its own.
    const tess = new ECSClient(config(berth.endpoint, await userWith("tess", [
      { Effect: "Allow", Action: "ecs:CreateCluster", Resource: "*" },
      { Effect: "Allow", Action: "ecs:TagResource", Resource: "*", Condition: { StringEquals: { "ecs:CreateAction": ["CreateCluster", "RunTask"] } } },
    ])));
    const created = await tess.send(new CreateClusterCommand({ clusterName: "tagged", tags: devTags }));
    assert.deepEqual(created.cluster?.tags, devTags);
    await rejectsWith(tess.send(new TagResourceCommand({ resourceArn: created.cluster!.clusterArn!, tags: [{ key: "later", value: "x" }] })), "AccessDeniedException",
      noAllow(userArn("tess"), "ecs:TagResource", created.cluster!.clusterArn!));
    await root.send(new DeleteClusterCommand({ cluster: "tagged" }));
  });
});
