import { ECRClient, BatchDeleteImageCommand, DescribeRepositoriesCommand, DescribeImagesCommand, DescribeImageScanFindingsCommand, type ImageScanFinding } from "@aws-sdk/client-ecr";
import { useState } from "preact/hooks";
import { allPages, client } from "../aws";
import { useLoad } from "../live";
import { Badge, Bytes, ErrorBox, Link, Loading, Page, Section, Table, Time } from "../ui";
import { href } from "../router";

const never = () => false;

export function RepositoriesPage() {
  const loaded = useLoad(() => allPages(async (nextToken) => {
    const r = await client(ECRClient).send(new DescribeRepositoriesCommand({ nextToken }));
    return { items: r.repositories ?? [], next: r.nextToken };
  }), [], never);
  return (
    <Page title="ECR repositories">
      <Loading loaded={loaded}>
        {(repos) => (
          <Section title={`${repos.length} repositories`}>
            <Table
              head={["Repository", "URI", "Tag mutability", "Scan on push", "Created"]}
              empty="No repositories in this account and region."
              rows={repos.map((r) => [
                <Link to={["ecr", r.repositoryName!]}>{r.repositoryName}</Link>, <code>{r.repositoryUri}</code>, r.imageTagMutability,
                String(r.imageScanningConfiguration?.scanOnPush ?? false), <Time at={r.createdAt} />,
              ])}
            />
          </Section>
        )}
      </Loading>
    </Page>
  );
}

const severities = (counts: Record<string, number> | undefined) =>
  Object.entries(counts ?? {}).map(([k, v]) => <span key={k}><Badge value={k} /> {v} </span>);

export function RepositoryPage({ repo }: { repo: string }) {
  const loaded = useLoad(() => allPages(async (nextToken) => {
    const r = await client(ECRClient).send(new DescribeImagesCommand({ repositoryName: repo, nextToken }));
    return { items: r.imageDetails ?? [], next: r.nextToken };
  }), [repo], never);
  return (
    <Page title={repo} crumbs={[["Repositories", href("ecr")]]}>
      <Loading loaded={loaded}>
        {(images) => (
          <Section title={`${images.length} images`}>
            <Table
              head={["Tags", "Digest", "Size", "Pushed", "Scan", "Findings"]}
              empty="No images."
              rows={images.sort((a, b) => +new Date(b.imagePushedAt ?? 0) - +new Date(a.imagePushedAt ?? 0)).map((i) => [
                (i.imageTags ?? []).join(", ") || <span class="muted">untagged</span>,
                <Link to={["ecr", repo, i.imageDigest!]}><code>{i.imageDigest?.slice(0, 19)}</code></Link>,
                <Bytes n={i.imageSizeInBytes} />, <Time at={i.imagePushedAt} />, <Badge value={i.imageScanStatus?.status} />,
                severities(i.imageScanFindingsSummary?.findingSeverityCounts),
              ])}
            />
          </Section>
        )}
      </Loading>
    </Page>
  );
}

/**
 * Deletes the image by digest (BatchDeleteImage, as `aws ecr batch-delete-image --image-ids
 * imageDigest=...`): every tag goes with it. A second, explicit step names what will go first.
 */
function DeleteImage({ repo, digest, tags }: { repo: string; digest: string; tags: string[] }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await client(ECRClient).send(new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: digest }] }));
      const failure = r.failures?.[0];
      if (failure) throw Object.assign(new Error(failure.failureReason ?? "not deleted"), { name: failure.failureCode ?? "ImageDeleteFailure" });
      location.hash = href("ecr", repo);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  if (!confirming) return <button type="button" class="danger" onClick={() => setConfirming(true)}>Delete image</button>;
  return (
    <div class="confirm" role="group" aria-label="Confirm deletion">
      <span>Delete {repo}@{digest.slice(0, 19)}{tags.length ? ` and its tags ${tags.join(", ")}` : ""}? This cannot be undone.</span>{" "}
      <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>Yes, delete</button>{" "}
      <button type="button" disabled={busy} onClick={() => setConfirming(false)}>Cancel</button>
      {error !== undefined && <ErrorBox error={error} />}
    </div>
  );
}

/** A finding's package as "name version" (ECR lists the attributes version first). */
const packageOf = (f: ImageScanFinding) => {
  const attr = (key: string) => f.attributes?.find((a) => a.key === key)?.value;
  return [attr("package_name"), attr("package_version")].filter(Boolean).join(" ");
};

export function ImagePage({ repo, digest }: { repo: string; digest: string }) {
  const loaded = useLoad(async () => {
    const ecr = client(ECRClient);
    const [image] = (await ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageDigest: digest }] }))).imageDetails ?? [];
    let findings;
    let scanError: string | undefined;
    try {
      findings = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: repo, imageId: { imageDigest: digest } }));
    } catch (err) {
      scanError = (err as Error).message;
    }
    return { image, findings, scanError };
  }, [repo, digest], never);
  return (
    <Page
      title={`${repo}@${digest.slice(0, 19)}`} crumbs={[["Repositories", href("ecr")], [repo, href("ecr", repo)]]}
      actions={loaded.data?.image && <DeleteImage repo={repo} digest={digest} tags={loaded.data.image.imageTags ?? []} />}
    >
      <Loading loaded={loaded}>
        {({ image, findings, scanError }) => (
          <>
            <dl class="facts">
              <dt>Digest</dt><dd><code>{digest}</code></dd>
              <dt>Tags</dt><dd>{(image?.imageTags ?? []).join(", ") || "untagged"}</dd>
              <dt>Size</dt><dd><Bytes n={image?.imageSizeInBytes} /></dd>
              <dt>Pushed</dt><dd><Time at={image?.imagePushedAt} /></dd>
              <dt>Media type</dt><dd>{image?.imageManifestMediaType}</dd>
              <dt>Scan status</dt><dd><Badge value={findings?.imageScanStatus?.status} /> {findings?.imageScanStatus?.description ?? scanError ?? ""}</dd>
            </dl>
            <Section title="Scan findings">
              <Table
                head={["Name", "Severity", "Package", "Description"]}
                empty="No findings."
                rows={(findings?.imageScanFindings?.findings ?? []).map((f) => [
                  // Only web links: a finding's uri comes from the scan database, not from this console.
                  f.uri && /^https?:\/\//.test(f.uri) ? <a href={f.uri} rel="noreferrer noopener" target="_blank">{f.name}</a> : f.name, <Badge value={f.severity} />,
                  packageOf(f), f.description ?? "",
                ])}
              />
            </Section>
          </>
        )}
      </Loading>
    </Page>
  );
}
