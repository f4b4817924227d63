import { ECSClient, ListTaskDefinitionsCommand, UpdateServiceCommand, type UpdateServiceCommandInput } from "@aws-sdk/client-ecs";
import { useEffect, useState } from "preact/hooks";
import { allPages, client, lastPart } from "../aws";
import { ErrorBox, useAction } from "../ui";

/** The family's ACTIVE revisions, newest first (ListTaskDefinitions, as the CLI lists them). */
async function revisionsOf(family: string): Promise<string[]> {
  return allPages(async (nextToken) => {
    const r = await client(ECSClient).send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC", nextToken }));
    return { items: r.taskDefinitionArns ?? [], next: r.nextToken };
  });
}

/**
 * A service's actions, each one UpdateService call as `aws ecs update-service` makes it: the
 * desired count, the task definition revision (a new deployment), a forced new deployment.
 */
export function ServiceActions({ cluster, service, desired, taskDefinition, done }: { cluster: string; service: string; desired: number; taskDefinition: string; done: () => void }) {
  const [count, setCount] = useState(String(desired));
  const current = lastPart(taskDefinition);
  const family = current.split(":")[0]!;
  const [revision, setRevision] = useState(current);
  const [revisions, setRevisions] = useState<string[]>([current]);
  const action = useAction();
  const { busy, error, setError } = action;
  const [message, setMessage] = useState("");
  useEffect(() => {
    revisionsOf(family).then((arns) => setRevisions(arns.map(lastPart)), setError);
  }, [family]);
  const call = (input: Partial<UpdateServiceCommandInput>, what: string) => action.run(async () => {
    await client(ECSClient).send(new UpdateServiceCommand({ cluster, service, ...input }));
    setMessage(what);
    done();
  });
  return (
    <div class="service-actions">
      <form
        class="desired"
        onSubmit={(e) => {
          e.preventDefault();
          void call({ desiredCount: Number(count) }, `Desired count set to ${count}.`);
        }}
      >
        <label>
          Desired count{" "}
          <input name="desiredCount" type="number" min="0" required value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
        </label>{" "}
        <button type="submit" disabled={busy}>Update</button>
      </form>
      <form
        class="revision"
        onSubmit={(e) => {
          e.preventDefault();
          void call({ taskDefinition: revision }, `Deploying ${revision}.`);
        }}
      >
        <label>
          Task definition{" "}
          <select name="taskDefinition" value={revision} onChange={(e) => setRevision((e.target as HTMLSelectElement).value)}>
            {(revisions.includes(current) ? revisions : [current, ...revisions]).map((r) => <option key={r} value={r}>{r}{r === current ? " (current)" : ""}</option>)}
          </select>
        </label>{" "}
        <button type="submit" disabled={busy || revision === current}>Deploy</button>
      </form>
      <button type="button" disabled={busy} onClick={() => void call({ forceNewDeployment: true }, "A new deployment was started.")}>Force new deployment</button>
      {message && <span class="muted" role="status">{message}</span>}
      {error !== undefined && <ErrorBox error={error} />}
    </div>
  );
}
