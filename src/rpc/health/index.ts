export { HealthService, healthDescriptor, type ServingStatus, type HealthMethods } from "./health.js";
