// Test fixture (not a test file): the etcd launcher of the chaos example.
export * from "../../examples/chaos/etcd.js";
