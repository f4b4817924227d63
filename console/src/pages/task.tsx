import { ECSClient, DescribeTasksCommand, DescribeTaskDefinitionCommand, StopTaskCommand, type ContainerDefinition } from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, GetLogEventsCommand, type OutputLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import { useEffect, useRef, useState } from "preact/hooks";
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

/**
 * How often the tail asks for new lines while the task runs. AWS has no push for a log stream that
 * a browser can hold beside the event stream (StartLiveTail's event stream would take one more of
 * the six connections a browser opens to this host, and its decoder would grow the bundle), so it
 * follows nextForwardToken with GetLogEvents, as `aws logs tail --follow` polls: one small call
 * per awslogs container, only while the tab is visible, and none once the task has stopped.
 */
const TAIL_MS = 2_000;
/** The lines a tail keeps: the last 50 at first, then up to this many as new ones arrive. */
const TAIL_LINES = 200;

/**
 * The last log lines of one awslogs stream, then, while `follow` (the task has not stopped), the
 * new ones as they come. A stream that does not exist yet (the task is starting) is read again.
 */
function LogTail({ group, stream, follow }: { group: string; stream: string; follow: boolean }) {
  const [events, setEvents] = useState<OutputLogEvent[] | undefined>();
  const [error, setError] = useState<unknown>();
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let token: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const read = async () => {
      try {
        const r = await client(CloudWatchLogsClient).send(token === undefined
          ? new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: 50, startFromHead: false })
          : new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, nextToken: token, startFromHead: true }));
        if (closed) return;
        const fresh = r.events ?? [];
        const first = token === undefined;
        token = r.nextForwardToken;
        setError(undefined);
        if (first || fresh.length > 0) setEvents((old) => (first ? fresh : [...(old ?? []), ...fresh]).slice(-TAIL_LINES));
      } catch (err) {
        if (closed) return;
        // No stream yet: the container has written nothing so far.
        if ((err as { name?: string }).name === "ResourceNotFoundException") setEvents((old) => old ?? []);
        else setError(err);
      }
    };
    const tick = async () => {
      if (document.visibilityState === "visible") await read();
      if (!closed && follow) timer = setTimeout(() => void tick(), TAIL_MS);
    };
    void (async () => {
      await read();
      if (!closed && follow) timer = setTimeout(() => void tick(), TAIL_MS);
    })();
    return () => {
      closed = true;
      clearTimeout(timer);
    };
  }, [group, stream, follow]);
  // Newest at the bottom, in view, unless the reader has scrolled up to read older lines.
  const pinned = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [events]);
  return (
    <div>
      <p class="muted">{group} › {stream}{follow ? " (following)" : ""}</p>
      {error !== undefined && <ErrorBox error={error} />}
      {events === undefined ? (error === undefined && <p class="muted" aria-busy="true">Loading…</p>) : events.length === 0 ? <p class="muted">No log events yet.</p> : (
        <pre
          class="logs" ref={box} tabIndex={0} role="log" aria-label={`Last log lines of ${stream}`}
          onScroll={(e) => { const el = e.currentTarget; pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4; }}
        >
          {events.map((e) => `${new Date(e.timestamp ?? 0).toISOString()}  ${e.message ?? ""}`).join("\n")}
        </pre>
      )}
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
                      {where ? <LogTail group={where.group} stream={where.stream} follow={data.t.lastStatus !== "STOPPED"} /> : <p class="muted">Not sent to CloudWatch Logs (no awslogs driver); `berth logs {task}` reads it.</p>}
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
