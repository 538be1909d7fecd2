export { sniff, SNIFF_BYTES, type Sniffed } from "./sniff.js";
export { detectProtocol, type DetectionHandlers } from "./detect.js";
export { listenAllProtocols, type MultiProtocolOptions, type MultiProtocolServer } from "./serve.js";
