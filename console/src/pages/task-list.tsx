import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ECSClient, ListTasksCommand, DescribeTasksCommand, type Task } from "@aws-sdk/client-ecs";
import { allPages, client, chunks, lastPart } from "../aws";
import { useLoad } from "../live";
import { Badge, Link, Loading, Section, Table, Time } from "../ui";

/** How many tasks a list describes until asked for all: the rows a table shows first. */
const FIRST_TASKS = 100;

export interface TaskList {
  /** Every task ListTasks lists (RUNNING and recently STOPPED). */
  total: number;
  /** The ones described: the first FIRST_TASKS, or all once asked. */
  tasks: Task[];
}

/**
 * The tasks of a cluster (or of one service) that ListTasks lists, RUNNING and recently STOPPED,
 * and the first 100 of them described (all when `all`): the page needs the count of all but shows
 * 100 rows, and describing 1,000 tasks is 10 calls and 1.7 MB of JSON for rows nobody sees yet.
 * Running ones first, each kind newest first: ListTasks lists in the order tasks were created
 * (Berth's order; ECS documents none), so the newest are described before the oldest.
 */
export async function tasksOf(cluster: string, serviceName?: string, all = false): Promise<TaskList> {
  const ecs = client(ECSClient);
  const arns = (await Promise.all((["RUNNING", "STOPPED"] as const).map(async (desiredStatus) => (await allPages(async (nextToken) => {
    const r = await ecs.send(new ListTasksCommand({ cluster, nextToken, desiredStatus, ...(serviceName ? { serviceName } : {}) }));
    return { items: r.taskArns ?? [], next: r.nextToken };
  })).reverse()))).flat();
  const wanted = all ? arns : arns.slice(0, FIRST_TASKS);
  // The batches are described at once: 1,000 tasks are 10 calls, not 10 round trips in a row.
  const tasks = (await Promise.all(chunks(wanted, 100).map((batch) => ecs.send(new DescribeTasksCommand({ cluster, tasks: batch }))))).flatMap((r) => r.tasks ?? []);
  const rank = (t: Task) => (t.desiredStatus === "STOPPED" ? 1 : 0);
  tasks.sort((a, b) => rank(a) - rank(b) || +new Date(b.createdAt ?? 0) - +new Date(a.createdAt ?? 0));
  return { total: arns.length, tasks };
}

/**
 * A "Tasks (N)" section: a cluster's or a service's tasks, loaded apart from the rest of the page
 * (the page shows what it has without waiting for the slowest read) and kept current as tasks change.
 */
export function TasksSection({ cluster, service, actions }: { cluster: string; service?: string; actions?: (reload: () => void) => ComponentChildren }) {
  const [all, setAll] = useState(false);
  const loaded = useLoad(() => tasksOf(cluster, service, all), [cluster, service, all], (c) => c.taskArn.includes(`:task/${cluster}/`));
  return (
    <Section title={loaded.data ? `Tasks (${loaded.data.total})` : "Tasks"} id="tasks">
      {actions?.(loaded.reload)}
      <Loading loaded={loaded}>
        {({ total, tasks }) => (
          <>
            <TaskTable cluster={cluster} tasks={tasks} />
            {tasks.length < total && (
              <button type="button" class="more" onClick={() => setAll(true)}>Show all {total} (first {tasks.length} shown)</button>
            )}
          </>
        )}
      </Loading>
    </Section>
  );
}

function TaskTable({ cluster, tasks }: { cluster: string; tasks: Task[] }) {
  return (
    <Table
      head={["Task", "Last status", "Desired", "Task definition", "Started", "Stopped reason"]}
      empty="No tasks."
      limit={tasks.length}
      rows={tasks.map((t) => [
        <Link to={["clusters", cluster, "tasks", lastPart(t.taskArn)]}>{lastPart(t.taskArn).slice(0, 12)}</Link>,
        <Badge value={t.lastStatus} />, t.desiredStatus, lastPart(t.taskDefinitionArn), <Time at={t.startedAt} />, t.stoppedReason ?? "",
      ])}
    />
  );
}
