import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";
import { ECSClient, ListTasksCommand, DescribeTasksCommand, type Task } from "@aws-sdk/client-ecs";
import { allPages, client, chunks, lastPart } from "../aws";
import { prime, useLoad } from "../live";
import { Badge, Link, Loading, Section, Table, Time } from "../ui";

/** How many tasks a list shows until asked for all: the rows a table shows first, and ListTasks's largest page. */
const FIRST_TASKS = 100;

export interface TaskList {
  /** How many tasks ListTasks lists (RUNNING and recently STOPPED), once every page was read; else undefined. */
  total?: number;
  /** The ones described: the first FIRST_TASKS, or all once asked. */
  tasks: Task[];
}

/**
 * The tasks of a cluster (or of one service) that ListTasks lists, RUNNING and recently STOPPED,
 * running ones first, each kind newest first (ListTasks lists in the order tasks were created,
 * Berth's order; ECS documents none). Until asked for `all`, only the first page of each kind is
 * read (100, the largest) and its first 100 tasks described: counting 1,000 tasks is 10 ListTasks
 * pages that must follow one another (each needs the previous one's token), and the page's counts
 * of running and pending tasks come from DescribeClusters / DescribeServices anyway, as an API
 * user would take them. `total` is then known only when the first pages were the only ones.
 */
export async function tasksOf(cluster: string, serviceName?: string, all = false): Promise<TaskList> {
  const ecs = client(ECSClient);
  let complete = true;
  const listed = await Promise.all((["RUNNING", "STOPPED"] as const).map(async (desiredStatus) => {
    const page = (nextToken: string | undefined) => ecs.send(new ListTasksCommand({ cluster, nextToken, desiredStatus, maxResults: FIRST_TASKS, ...(serviceName ? { serviceName } : {}) }));
    if (all) return (await allPages(async (nextToken) => { const r = await page(nextToken); return { items: r.taskArns ?? [], next: r.nextToken }; })).reverse();
    const r = await page(undefined);
    if (r.nextToken) complete = false;
    return (r.taskArns ?? []).reverse();
  }));
  const arns = listed.flat();
  const wanted = all ? arns : arns.slice(0, FIRST_TASKS);
  // The batches are described at once: 1,000 tasks are 10 calls, not 10 round trips in a row.
  const tasks = (await Promise.all(chunks(wanted, 100).map((batch) => ecs.send(new DescribeTasksCommand({ cluster, tasks: batch }))))).flatMap((r) => r.tasks ?? []);
  const rank = (t: Task) => (t.desiredStatus === "STOPPED" ? 1 : 0);
  tasks.sort((a, b) => rank(a) - rank(b) || +new Date(b.createdAt ?? 0) - +new Date(a.createdAt ?? 0));
  return { total: complete ? arns.length : undefined, tasks };
}

const tasksKey = (cluster: string, service?: string) => `tasks/${cluster}/${service ?? ""}`;

/** Starts a task list's first read before its page is rendered (live.ts prime()). */
export const primeTasks = (cluster: string, service?: string) => prime(tasksKey(cluster, service), () => tasksOf(cluster, service));

/** Running and pending tasks as DescribeClusters or DescribeServices count them. */
export interface TaskCounts { running?: number; pending?: number }

/**
 * A "Tasks (N)" section: a cluster's or a service's tasks, loaded apart from the rest of the page
 * (the page shows what it has without waiting for the slowest read) and kept current as tasks change.
 * When there are more than the first page, the title gives `counts` (running and pending, from the
 * cluster or service) and "Show all" lists and describes every task.
 */
export function TasksSection({ cluster, service, counts, actions }: { cluster: string; service?: string; counts?: TaskCounts; actions?: (reload: () => void) => ComponentChildren }) {
  const [all, setAll] = useState(false);
  const loaded = useLoad(() => tasksOf(cluster, service, all), [cluster, service, all], (c) => c.taskArn.includes(`:task/${cluster}/`), { primed: all ? undefined : tasksKey(cluster, service) });
  // Made once per answer: the section renders again with its page (a cluster's summary arriving),
  // and 100 rows need not be made and compared again each time.
  const table = useMemo(() => loaded.data && <TaskTable cluster={cluster} tasks={loaded.data.tasks} />, [cluster, loaded.data]);
  const title = (list: TaskList) => list.total !== undefined ? `Tasks (${list.total})`
    : `Tasks (${counts?.running !== undefined ? `${counts.running} running, ${counts.pending ?? 0} pending; ` : ""}first ${list.tasks.length} shown)`;
  return (
    <Section title={loaded.data ? title(loaded.data) : "Tasks"} id="tasks">
      {actions?.(loaded.reload)}
      <Loading loaded={loaded}>
        {(list) => (
          <>
            {table}
            {list.total === undefined && (
              <button type="button" class="more" onClick={() => setAll(true)}>Show all (first {list.tasks.length} shown)</button>
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
