export { sniff, SNIFF_BYTES, type Sniffed } from "./sniff.js";
export { detectProtocol, DETECTION_DEFAULTS, type DetectionHandlers } from "./detect.js";
export { listenAllProtocols, type MultiProtocolOptions, type MultiProtocolServer } from "./serve.js";
