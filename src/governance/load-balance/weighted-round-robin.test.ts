import { describeBalancer } from "./balancer.suite.js";
import { weightedRoundRobin } from "./weighted-round-robin.js";
describeBalancer(weightedRoundRobin);
