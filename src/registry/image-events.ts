import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import { emitEvent } from "../store/outbox.js";

/**
 * EventBridge's aws.ecr events (the ECR User Guide's "Amazon ECR events and EventBridge"), written
 * in the transaction of the push, delete or scan result they describe.
 */
export function emitImageAction(db: Db, scope: Scope, repositoryName: string, action: "PUSH" | "DELETE", digest: string, tag: string | undefined, at: Date): void {
  const detail: Record<string, unknown> = { result: "SUCCESS", "repository-name": repositoryName, "image-digest": digest, "action-type": action };
  if (tag !== undefined) detail["image-tag"] = tag;
  emitEvent(db, scope, { source: "aws.ecr", detailType: "ECR Image Action", resources: [], detail, time: at });
}

/** "ECR Image Scan" once a basic scan finished; the repository is found by its id (scans know no names). */
export function emitImageScan(db: Db, repoId: number, digest: string, result: { status: string; counts?: Record<string, number> }, at: Date): void {
  const repo = db.prepare("SELECT account, region, name, arn FROM registry_repositories WHERE id = ?").get(repoId) as { account: string; region: string; name: string; arn: string } | undefined;
  if (!repo) return;
  const tags = (db.prepare("SELECT tag FROM image_tags WHERE repo_id = ? AND digest = ? ORDER BY tag").all(repoId, digest) as Array<{ tag: string }>).map((r) => r.tag);
  emitEvent(db, { account: repo.account, region: repo.region }, {
    source: "aws.ecr", detailType: "ECR Image Scan", resources: [repo.arn], time: at,
    detail: { "scan-status": result.status, "repository-name": repo.name, "finding-severity-counts": result.counts ?? {}, "image-digest": digest, "image-tags": tags },
  });
}
