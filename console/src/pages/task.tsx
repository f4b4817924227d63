import { ECSClient, DescribeTasksCommand, DescribeTaskDefinitionCommand, StopTaskCommand, type ContainerDefinition } from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { client, lastPart } from "../aws";
import { useLoad } from "../live";
import { Badge, ErrorBox, Link, Loading, Page, Section, Table, Time, useAction } from "../ui";
import { href } from "../router";

/** Where an awslogs container's output goes: its group and stream (prefix/container/task id), as the driver names it. */
function awslogsStream(def: ContainerDefinition, taskId: string): { group: string; stream: string } | undefined {
  const lc = def.logConfiguration;
  if (lc?.logDriver !== "awslogs") return undefined;
  const group = lc.options?.["awslogs-group"];
  const prefix = lc.options?.["awslogs-stream-prefix"];
  if (!group || !prefix) return undefined;
  return { group, stream: `${prefix}/${def.name}/${taskId}` };
}

function LogTail({ group, stream }: { group: string; stream: string }) {
  const loaded = useLoad(async () => {
    const r = await client(CloudWatchLogsClient).send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: 50, startFromHead: false }));
    return r.events ?? [];
  }, [group, stream]);
  return (
    <div>
      <p class="muted">{group} › {stream}</p>
      <Loading loaded={loaded}>
        {(events) =>
          events.length === 0 ? <p class="muted">No log events yet.</p> : (
            <pre class="logs" tabIndex={0} aria-label={`Last log lines of ${stream}`}>
              {events.map((e) => `${new Date(e.timestamp ?? 0).toISOString()}  ${e.message ?? ""}`).join("\n")}
            </pre>
          )
        }
      </Loading>
    </div>
  );
}

function StopButton({ cluster, task, done }: { cluster: string; task: string; done: () => void }) {
  const { busy, error, run } = useAction();
  return (
    <>
      <button
        type="button" class="danger" disabled={busy}
        onClick={() => {
          if (!confirm(`Stop task ${task}?`)) return;
          void run(async () => {
            await client(ECSClient).send(new StopTaskCommand({ cluster, task, reason: "Stopped from the Berth console" }));
            done();
          });
        }}
      >
        Stop task
      </button>
      {error !== undefined && <ErrorBox error={error} />}
    </>
  );
}

export function TaskPage({ cluster, task }: { cluster: string; task: string }) {
  const loaded = useLoad(async () => {
    const ecs = client(ECSClient);
    const [t] = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [task] }))).tasks ?? [];
    if (!t) return null;
    const def = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: t.taskDefinitionArn! }))).taskDefinition;
    return { t, def };
  }, [cluster, task], (c) => c.taskArn.endsWith(`/${task}`));
  const service = loaded.data?.t.group?.startsWith("service:") ? loaded.data.t.group.slice(8) : undefined;
  return (
    <Page
      title={`Task ${task}`}
      crumbs={[["Clusters", href("clusters")], [cluster, href("clusters", cluster)], ...(service ? [[service, href("clusters", cluster, "services", service)] as [string, string]] : [])]}
      actions={loaded.data && loaded.data.t.desiredStatus !== "STOPPED" ? <StopButton cluster={cluster} task={task} done={loaded.reload} /> : undefined}
    >
      <Loading loaded={loaded}>
        {(data) =>
          !data ? (
            <div class="error" role="alert">No task {task} in cluster {cluster}.</div>
          ) : (
            <>
              <dl class="facts">
                <dt>Last status</dt><dd><Badge value={data.t.lastStatus} /></dd>
                <dt>Desired status</dt><dd>{data.t.desiredStatus}</dd>
                <dt>Task definition</dt><dd>{lastPart(data.t.taskDefinitionArn)}</dd>
                <dt>Launch type</dt><dd>{data.t.launchType ?? data.t.capacityProviderName}</dd>
                <dt>Group</dt><dd>{service ? <Link to={["clusters", cluster, "services", service]}>{data.t.group}</Link> : data.t.group}</dd>
                <dt>CPU / memory</dt><dd>{data.t.cpu ?? "—"} / {data.t.memory ?? "—"}</dd>
                <dt>Created</dt><dd><Time at={data.t.createdAt} /></dd>
                <dt>Started</dt><dd><Time at={data.t.startedAt} /></dd>
                <dt>Stopped</dt><dd><Time at={data.t.stoppedAt} /></dd>
                <dt>Stop code</dt><dd>{data.t.stopCode ?? "—"}</dd>
                <dt>Stopped reason</dt><dd data-field="stoppedReason">{data.t.stoppedReason ?? "—"}</dd>
              </dl>
              <Section title="Containers" id="containers">
                <Table
                  head={["Container", "Image", "Last status", "Exit code", "Reason", "Health", "Ports"]}
                  rows={(data.t.containers ?? []).map((c) => [
                    c.name, <code>{c.image}</code>, <Badge value={c.lastStatus} />, c.exitCode ?? "—", c.reason ?? "", <Badge value={c.healthStatus} />,
                    (c.networkBindings ?? []).map((b) => `${b.hostPort}→${b.containerPort}/${b.protocol}`).join(", "),
                  ])}
                />
              </Section>
              <Section title="Configuration" id="configuration">
                {(data.def?.containerDefinitions ?? []).map((d) => (
                  <div key={d.name}>
                    <h3>{d.name}</h3>
                    <p class="muted">
                      {d.essential === false ? "not essential" : "essential"}; command {JSON.stringify(d.command ?? [])}; log driver {d.logConfiguration?.logDriver ?? "none"}
                    </p>
                    {/* Secrets are shown by where they come from (valueFrom), never by their value. */}
                    {(d.secrets ?? []).length > 0 && (
                      <Table head={["Secret", "Value from"]} rows={(d.secrets ?? []).map((s) => [s.name, <code>{s.valueFrom}</code>])} />
                    )}
                  </div>
                ))}
              </Section>
              <Section title="Logs" id="logs">
                {(data.def?.containerDefinitions ?? []).map((d) => {
                  const where = awslogsStream(d, task);
                  return (
                    <div key={d.name}>
                      <h3>{d.name}</h3>
                      {where ? <LogTail group={where.group} stream={where.stream} /> : <p class="muted">Not sent to CloudWatch Logs (no awslogs driver); `berth logs {task}` reads it.</p>}
                    </div>
                  );
                })}
              </Section>
            </>
          )
        }
      </Loading>
    </Page>
  );
}
