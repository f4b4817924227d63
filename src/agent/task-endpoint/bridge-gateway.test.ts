import { test } from "node:test";
import assert from "node:assert/strict";
import { bridgeGateway, interfaceAddresses } from "./bridge-gateway.js";

const held: Record<string, string[]> = { docker0: ["172.17.0.1"], br1: ["10.9.0.1"] };
const addressesOf = async (name: string) => held[name] ?? [];

test("the gateway Docker's IPAM config names", async () => {
  assert.deepEqual(await bridgeGateway({ IPAM: { Config: [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.254" }] } }, addressesOf), { gateway: "172.17.0.254", subnet: "172.17.0.0/16" });
});

test("no gateway in the config (the bridge interface existed before dockerd): the bridge interface's own address in the subnet", async () => {
  assert.deepEqual(await bridgeGateway({ IPAM: { Config: [{ Subnet: "172.17.0.0/16" }] }, Options: { "com.docker.network.bridge.name": "docker0" } }, addressesOf), { gateway: "172.17.0.1", subnet: "172.17.0.0/16" });
  // The interface named in the options, docker0 when none is.
  assert.deepEqual(await bridgeGateway({ IPAM: { Config: [{ Subnet: "10.9.0.0/24" }] }, Options: { "com.docker.network.bridge.name": "br1" } }, addressesOf), { gateway: "10.9.0.1", subnet: "10.9.0.0/24" });
  assert.deepEqual(await bridgeGateway({ IPAM: { Config: [{ Subnet: "172.17.0.0/16" }] } }, addressesOf), { gateway: "172.17.0.1", subnet: "172.17.0.0/16" });
});

test("nothing to go by: no subnet, no such interface, or none of its addresses in the subnet", async () => {
  assert.equal(await bridgeGateway({}, addressesOf), undefined);
  assert.equal(await bridgeGateway({ IPAM: { Config: [{ Subnet: "172.17.0.0/16" }] }, Options: { "com.docker.network.bridge.name": "br9" } }, addressesOf), undefined);
  assert.equal(await bridgeGateway({ IPAM: { Config: [{ Subnet: "192.168.5.0/24" }] } }, addressesOf), undefined);
});

test("an interface's addresses are read from iproute2; an interface that does not exist has none", async () => {
  assert.ok((await interfaceAddresses("lo")).includes("127.0.0.1"));
  assert.deepEqual(await interfaceAddresses("berth-no-such0"), []);
});
