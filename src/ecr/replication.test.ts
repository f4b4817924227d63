import { test } from "node:test";
import assert from "node:assert/strict";
import { destinationsFor } from "./replication.js";

const A = { region: "eu-west-1", registryId: "000000000000" };
const B = { region: "ap-south-1", registryId: "111122223333" };

test("destinationsFor: rules without filters take every repository; PREFIX_MATCH filters select; destinations are deduplicated", () => {
  assert.deepEqual(destinationsFor(undefined, "web"), []);
  assert.deepEqual(destinationsFor({ rules: [] }, "web"), []);
  const config = {
    rules: [
      { destinations: [A] },
      { destinations: [A, B], repositoryFilters: [{ filter: "prod", filterType: "PREFIX_MATCH" as const }] },
    ],
  };
  assert.deepEqual(destinationsFor(config, "dev/web"), [A]);
  assert.deepEqual(destinationsFor(config, "prod/web"), [A, B]);
  assert.deepEqual(destinationsFor({ rules: [config.rules[1]!] }, "dev/web"), []);
});
