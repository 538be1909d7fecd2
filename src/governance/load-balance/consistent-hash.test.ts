import { describeBalancer } from "./balancer.suite.js";
import { consistentHash } from "./consistent-hash.js";
describeBalancer(() => consistentHash({ key: "x-session" }));
