import { test } from "node:test";
import assert from "node:assert/strict";
import { TaskError, engineMessage, engineStatus } from "./errors.js";

test("a TaskError's reason is its name and message, as users see it", () => {
  const e = new TaskError("CannotPullContainerError", "Error response from daemon: manifest unknown", "web");
  assert.equal(e.reason, "CannotPullContainerError: Error response from daemon: manifest unknown");
  assert.equal(e.container, "web");
});

test("engineMessage words engine errors as the Docker client does", () => {
  const fromJson = Object.assign(new Error("(HTTP code 404) no such container - No such image: x:1 "), { statusCode: 404, json: { message: "No such image: x:1" } });
  assert.equal(engineMessage(fromJson), "Error response from daemon: No such image: x:1");
  assert.equal(engineStatus(fromJson), 404);
  const fromStream = Object.assign(new Error("(HTTP code 500) server error - Get \"http://127.0.0.1:1/v2/\": connection refused "), { statusCode: 500, json: null });
  assert.equal(engineMessage(fromStream), 'Error response from daemon: Get "http://127.0.0.1:1/v2/": connection refused');
  assert.equal(engineMessage(new Error("socket hang up")), "socket hang up");
  assert.equal(engineStatus("nope"), undefined);
});
