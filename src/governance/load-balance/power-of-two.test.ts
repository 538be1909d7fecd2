import { describeBalancer } from "./balancer.suite.js";
import { powerOfTwoChoices } from "./power-of-two.js";
describeBalancer(powerOfTwoChoices);
