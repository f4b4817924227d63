import { ECSClient, ListTaskDefinitionsCommand, RunTaskCommand, type Failure, type LaunchType, type Task } from "@aws-sdk/client-ecs";
import { useEffect, useState } from "preact/hooks";
import { client, lastPart } from "../aws";
import { firstReads } from "../live";
import { ErrorBox, Link, useAction } from "../ui";

/**
 * Runs tasks in the cluster: one RunTask call, as `aws ecs run-task --task-definition --count
 * --launch-type` makes it. FARGATE needs awsvpc networking, so it asks for subnets too. The
 * task definitions offered are the newest 100 ACTIVE revisions; any other can be typed.
 */
export function RunTaskForm({ cluster, done }: { cluster: string; done: () => void }) {
  const [definitions, setDefinitions] = useState<string[]>([]);
  const [taskDefinition, setTaskDefinition] = useState("");
  const [count, setCount] = useState("1");
  const [launchType, setLaunchType] = useState<LaunchType>("EC2");
  const [subnets, setSubnets] = useState("subnet-1");
  const action = useAction();
  const { busy, error, setError } = action;
  const [result, setResult] = useState<{ tasks: Task[]; failures: Failure[] }>();
  // The choices only help once someone types: read after the page's own first reads are in.
  useEffect(() => {
    void firstReads.then(() => client(ECSClient).send(new ListTaskDefinitionsCommand({ status: "ACTIVE", sort: "DESC", maxResults: 100 })).then((r) => setDefinitions((r.taskDefinitionArns ?? []).map(lastPart)), setError));
  }, []);
  const run = () => action.run(async () => {
    setResult(undefined);
    const r = await client(ECSClient).send(new RunTaskCommand({
      cluster, taskDefinition, count: Number(count), launchType,
      ...(launchType === "FARGATE" ? { networkConfiguration: { awsvpcConfiguration: { subnets: subnets.split(",").map((s) => s.trim()).filter(Boolean) } } } : {}),
    }));
    setResult({ tasks: r.tasks ?? [], failures: r.failures ?? [] });
    done();
  });
  return (
    <form class="run-task" onSubmit={(e) => (e.preventDefault(), void run())}>
      <label>
        Task definition{" "}
        <input name="taskDefinition" list="task-definitions" required value={taskDefinition} onInput={(e) => setTaskDefinition((e.target as HTMLInputElement).value)} placeholder="family:revision" />
        <datalist id="task-definitions">{definitions.map((d) => <option key={d} value={d} />)}</datalist>
      </label>{" "}
      <label>
        Count <input name="count" type="number" min="1" max="10" required value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
      </label>{" "}
      <label>
        Launch type{" "}
        <select name="launchType" value={launchType} onChange={(e) => setLaunchType((e.target as HTMLSelectElement).value as LaunchType)}>
          <option value="EC2">EC2</option>
          <option value="FARGATE">FARGATE</option>
        </select>
      </label>{" "}
      {launchType === "FARGATE" && (
        <label>
          Subnets <input name="subnets" required value={subnets} onInput={(e) => setSubnets((e.target as HTMLInputElement).value)} />
        </label>
      )}{" "}
      <button type="submit" disabled={busy}>Run task</button>
      {result && (
        <p role="status">
          Started {result.tasks.length}: {result.tasks.map((t) => <span key={t.taskArn}><Link to={["clusters", cluster, "tasks", lastPart(t.taskArn)]}>{lastPart(t.taskArn).slice(0, 12)}</Link> </span>)}
          {result.failures.map((f, i) => <span key={i} class="error"> {f.reason}{f.detail ? ` (${f.detail})` : ""}</span>)}
        </p>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </form>
  );
}
